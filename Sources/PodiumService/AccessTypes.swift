/// What an API key may do: admin everything, server scores, sessions and reads.
public enum Role: String, Sendable, Hashable, CaseIterable {
    case admin
    case server
}

/// Who presented a valid credential.
public enum Principal: Sendable, Hashable {
    case key(name: String, role: Role)
    case session(id: String, player: String)
}

/// An API key as listed: never its secret.
public struct KeySummary: Sendable, Hashable {
    public var name: String
    public var role: Role
    /// Milliseconds since the Unix epoch.
    public var createdAt: Int64
    /// The key podiumd was started with (PODIUM_ADMIN_KEY or DATA_DIR/admin.key): not
    /// stored in the log, not revocable here.
    public var isBootstrap: Bool
}

/// A player session as its owner or a server sees it: never its token.
public struct SessionSummary: Sendable, Hashable {
    public var id: String
    public var player: String
    /// Milliseconds since the Unix epoch.
    public var expiresAt: Int64
    public var ttlSeconds: Int64
    /// JSON text.
    public var data: [UInt8]
}
