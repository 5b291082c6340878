import Foundation
import HTTPTypes
import Hummingbird
import PodiumService

/// Resolves the bearer token into the request's principal and lets it through if the
/// routes' audience admits it. Every authentication failure gets the same 401, whatever
/// was wrong; a valid credential of the wrong role gets 403; a client address with too
/// many recent failures gets 429 before its token is even looked at, so guessing stays slow.
struct AuthenticationMiddleware<Context: AuthenticatedRequestContext>: RouterMiddleware {
    let access: any AccessStore
    let limiter: AuthFailureLimiter
    let audience: Audience
    /// Peers whose `X-Forwarded-For` names the client (`podiumd --trusted-proxy`).
    let trustedProxies: Set<String>
    /// Whether a token may come as the `access_token` query parameter: only on the event
    /// stream, as browsers cannot set headers on a WebSocket. Never logged.
    var acceptsQueryToken = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let client = request.headers.clientAddress(peer: context.remoteAddress?.ipAddress, trustedProxies: trustedProxies)
        if let seconds = limiter.retryAfter(client: client) {
            throw Problem(
                .tooManyRequests, code: "too_many_auth_failures", detail: "too many failed authentications; try again later",
                headers: [.retryAfter: String(seconds)])
        }
        let token = request.headers.bearerToken ?? (acceptsQueryToken ? try? request.query("access_token") : nil)
        guard let token, let principal = try await access.authenticate(token: token) else {
            limiter.recordFailure(client: client)
            throw Problem.unauthorized
        }
        guard audience.admits(principal) else { throw Problem.forbidden }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

/// Who may call a group of routes; anyone else with a valid credential gets 403.
enum Audience: Sendable {
    /// Any valid credential: keys of every role and player sessions.
    case anyone
    /// Admin and server keys.
    case servers
    /// Admin keys.
    case admins
    /// Player sessions (the routes about "my" session).
    case players

    func admits(_ principal: Principal) -> Bool {
        switch (self, principal) {
        case (.anyone, _): true
        case (.servers, .key): true
        case (.admins, .key(_, .admin)): true
        case (.players, .session): true
        default: false
        }
    }
}

/// What authentication reads of a request's fields, from HTTPTypes' fields (the router)
/// or NIO's (the hot routes, ahead of the conversion to HTTPTypes).
enum CredentialFields {
    /// The address failures are counted by: the peer's, or, when the peer is a trusted
    /// proxy, the last address of `X-Forwarded-For` (the one that proxy appended; those
    /// before it are whatever the client sent). `forwardedFor`: the field's values.
    static func clientAddress(peer: String?, trustedProxies: Set<String>, forwardedFor: () -> String?) -> String {
        guard let peer else { return "unknown" }
        guard trustedProxies.contains(peer), let forwarded = forwardedFor(),
            let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
        else { return peer }
        return last
    }

    /// The token of `Authorization: Bearer TOKEN` (the scheme in any case, RFC 9110 11.1)
    /// given the field's values; none when the field comes twice. Read without joining or
    /// lowercasing copies: this runs on every request (it was 1.4% of podiumd's CPU on a
    /// submit).
    static func bearerToken(authorization values: some Sequence<String>) -> String? {
        var authorization: String?
        for value in values {
            guard authorization == nil else { return nil }
            authorization = value
        }
        guard let header = authorization else { return nil }
        let scheme = header.utf8.prefix(7)
        guard scheme.elementsEqual("bearer ".utf8, by: { $0 == $1 || (0x41...0x5A).contains($0) && $0 | 0x20 == $1 }) else {
            return nil
        }
        let token = header.utf8.dropFirst(7).drop { $0 == UInt8(ascii: " ") }
        return token.isEmpty ? nil : String(Substring(token))
    }
}

extension HTTPFields {
    /// ``CredentialFields/clientAddress(peer:trustedProxies:forwardedFor:)`` of these fields.
    func clientAddress(peer: String?, trustedProxies: Set<String>) -> String {
        CredentialFields.clientAddress(peer: peer, trustedProxies: trustedProxies) {
            HTTPField.Name("X-Forwarded-For").flatMap { self[$0] }
        }
    }

    /// ``CredentialFields/bearerToken(authorization:)`` of these fields.
    var bearerToken: String? {
        CredentialFields.bearerToken(authorization: lazy.filter { $0.name == .authorization }.map(\.value))
    }
}
