/// An RFC 9457 problem document (`application/problem+json`): every error the API
/// answers with. `code` is stable and is what programs should match on.
public struct ProblemBody: Decodable, Equatable, Sendable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var code: String

    public init(type: String, title: String, status: Int, detail: String, code: String) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.code = code
    }
}
