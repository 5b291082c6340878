import Foundation
import PodiumEngine

/// One call of the REST API, not yet sent: method, path (parameters already encoded),
/// query, JSON body, and how to read the answer into `Value`. Built by the static
/// functions in the `PodiumClient+*.swift` files; sent with ``PodiumClient/send(_:)``,
/// which also returns the answer's JSON as the server wrote it.
public struct PodiumRequest<Value: Sendable>: Sendable {
    public var method: String
    /// From `/v1/...`, each parameter in it percent-encoded (``Swift/String/pathSegment``).
    public var path: String
    public var query: [QueryItem]
    /// Encoded when sent, so that a body JSON cannot carry is a typed error then.
    var body: (any Encodable & Sendable)?
    let decode: @Sendable ([UInt8]) throws -> Value

    /// A query parameter, unencoded (``PodiumClient`` encodes it).
    public struct QueryItem: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    init(
        _ method: String, _ path: String, query: [(String, String?)] = [], body: (any Encodable & Sendable)? = nil,
        decode: @escaping @Sendable ([UInt8]) throws -> Value
    ) {
        self.method = method
        self.path = path
        self.query = query.compactMap { name, value in value.map { QueryItem(name: name, value: $0) } }
        self.body = body
        self.decode = decode
    }

    /// The path and query as they go on the wire.
    var target: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { PercentEncoding.encode($0.name) + "=" + PercentEncoding.encode($0.value) }.joined(separator: "&")
    }
}

extension PodiumRequest where Value: Decodable {
    /// A call whose answer is the JSON of `Value`.
    init(_ method: String, _ path: String, query: [(String, String?)] = [], body: (any Encodable & Sendable)? = nil) {
        self.init(method, path, query: query, body: body) { bytes in try JSONDecoder().decode(Value.self, from: Data(bytes)) }
    }
}

extension PodiumRequest where Value == Void {
    /// A call answered with 204 No Content.
    init(_ method: String, _ path: String) {
        self.init(method, path, query: [], body: nil) { _ in }
    }
}

/// A score bound as the query parameters `min` and `max` take it: `-inf`, `+inf`, or a
/// number, `(` before it when exclusive.
extension ScoreBound {
    var queryValue: String {
        let number =
            switch value {
            case -.infinity: "-inf"
            case .infinity: "+inf"
            default: "\(value)"
            }
        return isInclusive ? number : "(" + number
    }
}
