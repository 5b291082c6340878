import Hummingbird
import PodiumAPI
import PodiumService

/// `/v1/sessions`: servers open and revoke player sessions; a player reads, replaces the
/// data of, refreshes and ends its own (`me`).
struct SessionRoutes {
    let access: any AccessStore

    func register(servers: some RouterMethods<PodiumRequestContext>, players: some RouterMethods<PodiumRequestContext>) {
        servers.post("sessions") { request, context in
            let body = try await request.decodeJSON(SessionRequestBody.self, context: context)
            let (session, token) = try await access.createSession(
                player: body.player, ttlSeconds: body.ttlSeconds, data: try encodedSessionData(body.data))
            return try Response.json(
                IssuedSessionBody(token: token, sessionID: session.id, player: session.player, expiresAt: rfc3339(session.expiresAt)),
                status: .created)
        }
        servers.delete("sessions/:id") { _, context in
            try await access.endSession(id: context.parameters.decoded("id"))
            return Response(status: .noContent)
        }
        // A session that ended since its token was checked is a 401, as if it had ended before.
        players.get("sessions/me") { _, context in
            try await ownSession { try Response.json(SessionBody(await access.session(id: context.sessionID()))) }
        }
        players.put("sessions/me/data") { request, context in
            let data = try await request.decodeJSON(JSONValue.self, context: context)
            return try await ownSession {
                try Response.json(SessionBody(await access.replaceData(sessionID: context.sessionID(), data: encodedSessionData(data))))
            }
        }
        players.post("sessions/me/refresh") { _, context in
            try await ownSession { try Response.json(SessionBody(await access.refresh(sessionID: context.sessionID()))) }
        }
        players.delete("sessions/me") { _, context in
            try await ownSession {
                try await access.endSession(id: context.sessionID())
                return Response(status: .noContent)
            }
        }
    }
}

/// `body` on the caller's own session; its end in the meantime is a 401.
private func ownSession(_ body: () async throws -> Response) async throws -> Response {
    do {
        return try await body()
    } catch ServiceError.sessionNotFound {
        throw Problem.unauthorized
    }
}

extension PodiumRequestContext {
    /// The session of the player asking; the audience middleware let only sessions in.
    func sessionID() throws -> String {
        guard case let .session(id, _) = principal else { throw Problem.forbidden }
        return id
    }
}
