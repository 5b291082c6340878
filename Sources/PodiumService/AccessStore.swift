import PodiumEngine
import PodiumStorage

/// API keys and player sessions, wherever they live: in this process (``AccessRegistry``,
/// the default) or in a shared backend (Redis), where every podiumd sees a new session or
/// a revocation at once. The HTTP layer talks to this and nothing else about credentials.
public protocol AccessStore: Sendable {
    /// Makes `tokenHash` (SHA-256 of the key podiumd was started with) an admin key named
    /// ``AccessRegistry/bootstrapKeyName``, held in memory only.
    func installBootstrapKey(tokenHash: [UInt8])
    /// Who `token` belongs to, or nil for an unknown, malformed, revoked or expired one.
    func authenticate(token: String) async throws(ServiceError) -> Principal?

    /// Creates a key; returns it and its secret, which nothing keeps.
    func createKey(name: String, role: Role) async throws(ServiceError) -> (key: KeySummary, secret: String)
    /// Every key by name, the bootstrap key first.
    func listKeys() async throws(ServiceError) -> [KeySummary]
    /// Revokes `name`: its secret stops working at once.
    func revokeKey(name: String) async throws(ServiceError)

    /// Opens a session for `player` that lives `ttlSeconds` (and as long again from each
    /// refresh), holding `data` (JSON text). Returns it and its token.
    func createSession(player: String, ttlSeconds: Int64, data: [UInt8]) async throws(ServiceError) -> (session: SessionSummary, token: String)
    /// The live session `id`. Throws ``ServiceError/sessionNotFound(_:)``.
    func session(id: String) async throws(ServiceError) -> SessionSummary
    /// Replaces the session's data.
    func replaceData(sessionID id: String, data: [UInt8]) async throws(ServiceError) -> SessionSummary
    /// Extends the session to its TTL from now.
    func refresh(sessionID id: String) async throws(ServiceError) -> SessionSummary
    /// Ends the session (log out, or a server's revocation): its token stops working.
    func endSession(id: String) async throws(ServiceError)
}

extension AccessRegistry: AccessStore {}

/// What every credential backend refuses the same way, above the seam.
public enum AccessRules {
    public static func validateKey(name: String) throws(ServiceError) {
        guard BoardName.isValid(name), name != AccessRegistry.bootstrapKeyName else {
            throw BoardName.isValid(name) ? .keyExists(name) : .invalidKeyName(name)
        }
    }

    /// A new session's player, lifetime and data.
    public static func validateSession(player: String, ttlSeconds: Int64, data: [UInt8]) throws(ServiceError) {
        guard MemberID.isValid(player) else { throw .invalidPlayer }
        guard AccessRegistry.ttlSeconds.contains(ttlSeconds) else { throw .invalidTTL }
        try validate(data: data)
    }

    public static func validate(data: [UInt8]) throws(ServiceError) {
        guard data.count <= StoredSession.maxDataBytes else {
            throw .sessionDataTooLarge(bytes: data.count, limit: StoredSession.maxDataBytes)
        }
    }
}
