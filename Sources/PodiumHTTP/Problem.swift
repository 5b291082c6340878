import Foundation
import Hummingbird
import PodiumAPI
import PodiumService

/// An error as an RFC 9457 problem: `application/problem+json` with a stable `code`.
/// Every error a client can cause becomes one; nothing else reaches the client.
public struct Problem: HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var detail: String
    /// Fields the status calls for: `Allow` with 405, `Retry-After` with 429.
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
    }

    var body: ProblemBody {
        ProblemBody(type: "urn:podium:problem:\(code)", title: status.reasonPhrase, status: status.code, detail: detail, code: code)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.json(body, status: status, contentType: "application/problem+json")
        response.headers.append(contentsOf: headers)
        return response
    }

    /// One message for every authentication failure: it never says which part was wrong.
    public static let unauthorized = Problem(
        .unauthorized, code: "unauthorized", detail: "missing or invalid credentials", headers: [.wwwAuthenticate: #"Bearer realm="podium""#])

    /// A valid credential whose role may not do this.
    public static let forbidden = Problem(.forbidden, code: "forbidden", detail: "this credential may not do this")

    public static func invalidRequest(_ detail: String) -> Problem { Problem(.badRequest, code: "invalid_request", detail: detail) }
}

extension Problem {
    /// The problem a service error is.
    public init(_ error: ServiceError) {
        let status: HTTPResponse.Status =
            switch error {
            case .boardNotFound, .seasonNotFound, .memberNotFound, .keyNotFound, .sessionNotFound: .notFound
            case .boardConfigConflict, .seasonReadOnly, .snapshotInProgress, .keyExists, .keyNotRevocable, .embeddedOnly: .conflict
            case .sessionDataTooLarge, .metadataTooLarge: .contentTooLarge
            case .scoreOutOfBounds: .unprocessableContent
            case .storageUnavailable, .snapshotFailed, .backendUnavailable: .serviceUnavailable
            case .memoryLimit, .storageFull: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
            case .invalidKeyName, .invalidPlayer, .invalidTTL: .badRequest
            case .invalidBoardName, .invalidMember, .invalidScore, .invalidMetadata, .invalidConfig, .invalidRequest, .batchTooLarge: .badRequest
            }
        // A backend failing over comes back on its own: tell clients when to try again.
        let headers: HTTPFields = if case .backendUnavailable = error { [.retryAfter: "1"] } else { [:] }
        self.init(status, code: error.code, detail: error.detail, headers: headers)
    }
}
