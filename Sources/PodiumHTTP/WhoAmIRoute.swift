import Hummingbird
import PodiumAPI
import PodiumService

/// `GET /v1/whoami`: the caller's role and identity, for any valid token.
struct WhoAmIRoute {
    let access: any AccessStore

    func register(on anyone: some RouterMethods<PodiumRequestContext>) {
        anyone.get("whoami") { _, context in
            switch context.principal {
            case let .key(name, role):
                return try Response.json(CallerBody(key: name, role: KeyRole(role)))
            case let .session(id, _):
                // A session that ended since its token was checked is a 401, as on the
                // session routes.
                let session: SessionSummary
                do {
                    session = try await access.session(id: id)
                } catch ServiceError.sessionNotFound {
                    throw Problem.unauthorized
                }
                return try Response.json(CallerBody(player: session.player, sessionID: session.id, expiresAt: rfc3339(session.expiresAt)))
            case nil:
                // The authentication middleware runs first and always sets it.
                throw Problem.unauthorized
            }
        }
    }
}
