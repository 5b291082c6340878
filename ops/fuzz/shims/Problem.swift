// A stand-in for PodiumHTTP's `Problem` (Sources/PodiumHTTP/Problem.swift, which needs
// Hummingbird's response types and PodiumService), compiled into the fuzz build's
// PodiumHTTP module beside the real decoders. Only for ops/fuzz.
struct Problem: Error, Equatable {
    enum Status: Equatable { case badRequest }
    var status: Status
    var code: String
    var detail: String

    init(_ status: Status, code: String, detail: String) {
        self.status = status
        self.code = code
        self.detail = detail
    }

    static func invalidRequest(_ detail: String) -> Problem { Problem(.badRequest, code: "invalid_request", detail: detail) }
}
