import Hummingbird
import PodiumService

/// Resolves the bearer token into the request's principal and lets it through if the
/// routes' audience admits it. Every authentication failure gets the same 401, whatever
/// was wrong; a valid credential of the wrong role gets 403; a client address with too
/// many recent failures gets 429 before its token is even looked at, so guessing stays slow.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = PodiumRequestContext
    let access: AccessRegistry
    let limiter: AuthFailureLimiter
    let audience: Audience

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let client = context.clientAddress
        if let seconds = limiter.retryAfter(client: client) {
            throw Problem(
                .tooManyRequests, code: "too_many_auth_failures", detail: "too many failed authentications; try again later",
                headers: [.retryAfter: String(seconds)])
        }
        guard let token = request.bearerToken, let principal = access.authenticate(token: token) else {
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

extension Request {
    /// The token of `Authorization: Bearer TOKEN`.
    var bearerToken: String? {
        guard let header = headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        let token = header.dropFirst(7)
        return token.isEmpty ? nil : String(token)
    }
}
