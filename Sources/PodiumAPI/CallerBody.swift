/// `GET /v1/whoami`: who the bearer token speaks for, so that a client (the console) can
/// show what the token may do without probing routes it may not call.
public struct CallerBody: Codable, Equatable, Sendable {
    public enum Role: String, Codable, Equatable, Sendable {
        case admin, server, player
    }

    public var role: Role
    /// The API key's name; keys only.
    public var key: String?
    /// The player, the session's id and when it expires (RFC 3339, UTC); sessions only.
    public var player: String?
    public var sessionID: String?
    public var expiresAt: String?

    enum CodingKeys: String, CodingKey {
        case role, key, player
        case sessionID = "session_id"
        case expiresAt = "expires_at"
    }

    /// An API key of `role`.
    public init(key: String, role: KeyRole) {
        self.role = role == .admin ? .admin : .server
        self.key = key
    }

    /// A player session.
    public init(player: String, sessionID: String, expiresAt: String) {
        role = .player
        self.player = player
        self.sessionID = sessionID
        self.expiresAt = expiresAt
    }
}
