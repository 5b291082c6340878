import Crypto
import Foundation
import Hummingbird

/// Until API keys and sessions land (issue 6), one admin key guards every /v1 route. Only
/// its SHA-256 is held, and the presented token's hash is compared in constant time.
public struct AdminKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keyHash: [UInt8]

    /// `keyHash`: SHA-256 of the admin key.
    public init(keyHash: [UInt8]) {
        self.keyHash = keyHash
    }

    public static func hash(_ key: String) -> [UInt8] { Array(SHA256.hash(data: Data(key.utf8))) }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            Self.constantTimeEqual(Self.hash(String(header.dropFirst(7))), keyHash)
        else { throw Problem.unauthorized }
        return try await next(request, context)
    }

    /// Equal lengths are compared byte by byte without an early exit.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
