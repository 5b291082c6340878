/// The bodies of the session and key routes (SPEC section 4). Times are RFC 3339 in UTC.

/// `POST /v1/sessions`: a session for `player` that lasts `ttl_seconds` from its last
/// refresh, with any JSON `data`.
public struct SessionRequestBody: Codable, Equatable, Sendable {
    public var player: String
    public var ttlSeconds: Int64
    public var data: JSONValue?

    enum CodingKeys: String, CodingKey {
        case player, data
        case ttlSeconds = "ttl_seconds"
    }

    public init(player: String, ttlSeconds: Int64, data: JSONValue? = nil) {
        self.player = player
        self.ttlSeconds = ttlSeconds
        self.data = data
    }
}

/// The answer to `POST /v1/sessions`: the token, shown this once.
public struct IssuedSessionBody: Codable, Equatable, Sendable {
    public var token: String
    public var sessionID: String
    public var player: String
    public var expiresAt: String

    enum CodingKeys: String, CodingKey {
        case token, player
        case sessionID = "session_id"
        case expiresAt = "expires_at"
    }

    public init(token: String, sessionID: String, player: String, expiresAt: String) {
        self.token = token
        self.sessionID = sessionID
        self.player = player
        self.expiresAt = expiresAt
    }
}

/// A session as its player (or a server) sees it; never its token.
public struct SessionBody: Codable, Equatable, Sendable {
    public var sessionID: String
    public var player: String
    public var expiresAt: String
    public var ttlSeconds: Int64
    public var data: JSONValue

    enum CodingKeys: String, CodingKey {
        case player, data
        case sessionID = "session_id"
        case expiresAt = "expires_at"
        case ttlSeconds = "ttl_seconds"
    }

    public init(sessionID: String, player: String, expiresAt: String, ttlSeconds: Int64, data: JSONValue) {
        self.sessionID = sessionID
        self.player = player
        self.expiresAt = expiresAt
        self.ttlSeconds = ttlSeconds
        self.data = data
    }
}

/// What an API key may do: admin everything; server scores, sessions and reads.
public enum KeyRole: String, Codable, Equatable, Sendable, CaseIterable {
    case admin
    case server
}

/// `POST /v1/keys`.
public struct KeyRequestBody: Codable, Equatable, Sendable {
    public var name: String
    public var role: KeyRole

    public init(name: String, role: KeyRole) {
        self.name = name
        self.role = role
    }
}

/// A key as listed; `key` (the secret) only in the answer that creates it.
public struct KeyBody: Codable, Equatable, Sendable {
    public var name: String
    public var role: KeyRole
    public var createdAt: String
    /// The key podiumd was started with (revoked by changing it and restarting).
    public var bootstrap: Bool
    public var key: String?

    enum CodingKeys: String, CodingKey {
        case name, role, bootstrap, key
        case createdAt = "created_at"
    }

    public init(name: String, role: KeyRole, createdAt: String, bootstrap: Bool, key: String? = nil) {
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.bootstrap = bootstrap
        self.key = key
    }
}

/// `GET /v1/keys`.
public struct KeyListBody: Codable, Equatable, Sendable {
    public var keys: [KeyBody]

    public init(keys: [KeyBody]) { self.keys = keys }
}
