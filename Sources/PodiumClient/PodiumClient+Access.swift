import PodiumAPI

/// `/v1/keys` (admin) and `/v1/sessions`: API keys, and player sessions opened by a server
/// and used by their player (the `me` routes, with the session's own token).
extension PodiumRequest {
    public static func createKey(name: String, role: KeyRole) -> PodiumRequest<KeyBody> {
        PodiumRequest<KeyBody>("POST", "/v1/keys", body: KeyRequestBody(name: name, role: role))
    }

    public static func listKeys() -> PodiumRequest<KeyListBody> {
        PodiumRequest<KeyListBody>("GET", "/v1/keys")
    }

    public static func revokeKey(name: String) -> PodiumRequest<Void> {
        PodiumRequest<Void>("DELETE", "/v1/keys/\(name.pathSegment)")
    }

    public static func createSession(_ session: SessionRequestBody) -> PodiumRequest<IssuedSessionBody> {
        PodiumRequest<IssuedSessionBody>("POST", "/v1/sessions", body: session)
    }

    public static func revokeSession(id: String) -> PodiumRequest<Void> {
        PodiumRequest<Void>("DELETE", "/v1/sessions/\(id.pathSegment)")
    }

    public static func ownSession() -> PodiumRequest<SessionBody> {
        PodiumRequest<SessionBody>("GET", "/v1/sessions/me")
    }

    public static func replaceOwnSessionData(_ data: JSONValue) -> PodiumRequest<SessionBody> {
        PodiumRequest<SessionBody>("PUT", "/v1/sessions/me/data", body: data)
    }

    public static func refreshOwnSession() -> PodiumRequest<SessionBody> {
        PodiumRequest<SessionBody>("POST", "/v1/sessions/me/refresh")
    }

    public static func endOwnSession() -> PodiumRequest<Void> {
        PodiumRequest<Void>("DELETE", "/v1/sessions/me")
    }
}

extension PodiumClient {
    /// A new key; its secret (`key`, `pdk_...`) is in this answer only.
    public func createKey(name: String, role: KeyRole) async throws(PodiumError) -> KeyBody {
        try await send(.createKey(name: name, role: role)).value
    }

    /// Every key, never a secret; the bootstrap key first.
    public func listKeys() async throws(PodiumError) -> [KeyBody] {
        try await send(.listKeys()).value.keys
    }

    /// Revokes key `name`; its token gets 401 from now on.
    public func revokeKey(name: String) async throws(PodiumError) {
        try await send(.revokeKey(name: name)).value
    }

    /// Opens a session for `player` lasting `ttlSeconds`; its token is in this answer only.
    public func createSession(player: String, ttlSeconds: Int64, data: JSONValue? = nil) async throws(PodiumError) -> IssuedSessionBody {
        try await send(.createSession(SessionRequestBody(player: player, ttlSeconds: ttlSeconds, data: data))).value
    }

    /// Revokes session `id`; its token gets 401 from now on.
    public func revokeSession(id: String) async throws(PodiumError) {
        try await send(.revokeSession(id: id)).value
    }

    /// The caller's own session (a client made with a session token).
    public func ownSession() async throws(PodiumError) -> SessionBody {
        try await send(.ownSession()).value
    }

    /// Replaces the caller's session data (any JSON, at most 16 KiB).
    public func replaceOwnSessionData(_ data: JSONValue) async throws(PodiumError) -> SessionBody {
        try await send(.replaceOwnSessionData(data)).value
    }

    /// Extends the caller's session to its TTL from now.
    public func refreshOwnSession() async throws(PodiumError) -> SessionBody {
        try await send(.refreshOwnSession()).value
    }

    /// Ends the caller's session (logs out).
    public func endOwnSession() async throws(PodiumError) {
        try await send(.endOwnSession()).value
    }
}
