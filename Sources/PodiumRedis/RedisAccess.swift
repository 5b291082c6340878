import PodiumService
import PodiumStorage
import PodiumSync
import RESPClient

/// API keys and player sessions in Redis, so that every podiumd sees a new session, a
/// refresh or a revocation at once.
///
/// Each credential is a hash keyed by its token's SHA-256 (`cred:<hex>`: never the token),
/// found in one `HGETALL` per request; a session's hash and its id's pointer
/// (`session:<id>` -> hex) expire with the session (`PEXPIREAT`), so Redis forgets it on
/// time with no sweeper. Key names map to their hashes in one hash (`keys`), which keeps
/// names unique. The credential keys are spread over the cluster (no hash tag): the
/// lookup on every request does not land on one shard.
public final class RedisAccess: AccessStore {
    private let redis: any RESPCommandSender
    private let prefix: String
    private let clock: AccessRegistry.Clock
    /// The key podiumd was started with: its hash, and when.
    private let bootstrap = Locked<(hash: [UInt8], createdAt: Int64)?>(nil)

    public init(redis: any RESPCommandSender, prefix: String = "podium", clock: @escaping AccessRegistry.Clock = AccessRegistry.systemClock) {
        self.redis = redis
        self.prefix = prefix
        self.clock = clock
    }

    private func credential(_ hash: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return "\(prefix):cred:" + String(decoding: hash.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }
    private func sessionPointer(_ id: String) -> String { "\(prefix):session:\(id)" }
    private var keyNames: String { "\(prefix):keys" }

    public func installBootstrapKey(tokenHash: [UInt8]) {
        let now = clock()
        bootstrap.withLock { $0 = (tokenHash, now) }
    }

    public func authenticate(token: String) async throws(ServiceError) -> Principal? {
        guard !token.isEmpty, token.utf8.count <= Token.maxBytes else { return nil }
        let hash = Token.hash(token)
        // First, whatever its prefix: PODIUM_ADMIN_KEY is the operator's choice.
        if let bootstrap = bootstrap.withLock({ $0 }), Token.constantTimeEqual(bootstrap.hash, hash) {
            return .key(name: AccessRegistry.bootstrapKeyName, role: .admin)
        }
        let fields = try await hashFields(credential(hash))
        switch fields["type"] {
        case "key":
            guard let name = fields["name"], let role = fields["role"].flatMap(Role.init) else { return nil }
            return .key(name: name, role: role)
        case "session":
            guard let session = Self.session(fields, hash: hash), session.expiresAt > clock() else { return nil }
            return .session(id: session.id, player: session.player)
        default:
            return nil
        }
    }

    // MARK: Keys

    public func createKey(name: String, role: Role) async throws(ServiceError) -> (key: KeySummary, secret: String) {
        try AccessRules.validateKey(name: name)
        let secret = Token.generate(prefix: Token.keyPrefix)
        let key = StoredKey(name: name, role: role.rawValue, tokenHash: Token.hash(secret), createdAt: clock())
        let credential = credential(key.tokenHash)
        // The name is taken first, so two podiumd creating one name cannot both succeed; the
        // secret works once its hash is stored.
        guard try await command(["HSETNX", keyNames, name, credential]).integer == 1 else { throw .keyExists(name) }
        _ = try await command(["HSET", credential, "type", "key", "name", name, "role", key.role, "created", String(key.createdAt)])
        return (KeySummary(key, isBootstrap: false), secret)
    }

    public func listKeys() async throws(ServiceError) -> [KeySummary] {
        let names = try await hashFields(keyNames)
        let replies: [RESPValue]
        let sorted = names.keys.sorted()
        do {
            replies = try await redis.pipeline(sorted.map { RESPCommand("HGETALL", names[$0] ?? "") })
        } catch {
            throw .backendUnavailable("\(error)")
        }
        let bootstrapKey = bootstrap.withLock { $0 }.map {
            KeySummary(StoredKey(name: AccessRegistry.bootstrapKeyName, role: Role.admin.rawValue, tokenHash: $0.hash, createdAt: $0.createdAt), isBootstrap: true)
        }
        let stored = zip(sorted, replies).compactMap { name, reply -> KeySummary? in
            let fields = Self.fields(reply)
            guard let role = fields["role"].flatMap(Role.init) else { return nil }
            return KeySummary(StoredKey(name: name, role: role.rawValue, tokenHash: [], createdAt: fields["created"].flatMap { Int64($0) } ?? 0), isBootstrap: false)
        }
        return (bootstrapKey.map { [$0] } ?? []) + stored
    }

    public func revokeKey(name: String) async throws(ServiceError) {
        if name == AccessRegistry.bootstrapKeyName, bootstrap.withLock({ $0 }) != nil { throw .keyNotRevocable(name) }
        guard let credential = try await command(["HGET", keyNames, name]).string else { throw .keyNotFound(name) }
        // The secret stops working first; the name is free after.
        _ = try await command(["DEL", credential])
        _ = try await command(["HDEL", keyNames, name])
    }

    // MARK: Sessions

    public func createSession(player: String, ttlSeconds: Int64, data: [UInt8]) async throws(ServiceError) -> (session: SessionSummary, token: String) {
        try AccessRules.validateSession(player: player, ttlSeconds: ttlSeconds, data: data)
        let token = Token.generate(prefix: Token.sessionPrefix)
        let session = StoredSession(
            id: Token.identifier(prefix: "ses_"), player: player, tokenHash: Token.hash(token),
            expiresAt: clock() + ttlSeconds * 1000, ttlSeconds: ttlSeconds, data: data)
        let credential = credential(session.tokenHash)
        let expiry = String(session.expiresAt)
        try await pipeline([
            RESPCommand(
                ["HSET", credential, "type", "session", "id", session.id, "player", player, "ttl", String(ttlSeconds), "expires", expiry].map {
                    Array($0.utf8)
                } + [Array("data".utf8), data]),
            RESPCommand("PEXPIREAT", credential, expiry),
            RESPCommand("SET", sessionPointer(session.id), credential, "PXAT", expiry),
        ])
        return (SessionSummary(session), token)
    }

    public func session(id: String) async throws(ServiceError) -> SessionSummary {
        SessionSummary(try await liveSession(id).session)
    }

    public func replaceData(sessionID id: String, data: [UInt8]) async throws(ServiceError) -> SessionSummary {
        try AccessRules.validate(data: data)
        var (credential, session) = try await liveSession(id)
        // Only while it still exists: a session that expired meanwhile is not brought back.
        let reply: RESPValue
        do {
            // Session data is JSON text: UTF-8 as it is.
            reply = try await Self.setIfExists.run(on: redis, keys: [credential], arguments: ["data", String(decoding: data, as: UTF8.self)])
        } catch {
            throw .backendUnavailable("\(error)")
        }
        guard reply.integer == 1 else { throw .sessionNotFound(id) }
        session.data = data
        return SessionSummary(session)
    }

    public func refresh(sessionID id: String) async throws(ServiceError) -> SessionSummary {
        var (credential, session) = try await liveSession(id)
        session.expiresAt = clock() + session.ttlSeconds * 1000
        let expiry = String(session.expiresAt)
        let replies = try await pipeline([
            // By its text: a pipeline cannot fall back from NOSCRIPT, and refreshes are rare.
            Self.setIfExists.byText(keys: [credential], arguments: ["expires", expiry]),
            RESPCommand("PEXPIREAT", credential, expiry),
            RESPCommand("PEXPIREAT", sessionPointer(id), expiry),
        ])
        guard replies.first?.integer == 1 else { throw .sessionNotFound(id) }
        return SessionSummary(session)
    }

    public func endSession(id: String) async throws(ServiceError) {
        let (credential, _) = try await liveSession(id)
        try await pipeline([RESPCommand("DEL", credential), RESPCommand("DEL", sessionPointer(id))])
    }

    /// KEYS: a credential. ARGV: field, value. Sets the field only if the hash exists;
    /// returns 1 when it did.
    static let setIfExists = RedisScript(
        #"""
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        return 1
        """#)

    // MARK: Internals

    /// Session `id`'s credential key and session, if live.
    private func liveSession(_ id: String) async throws(ServiceError) -> (credential: String, session: StoredSession) {
        guard id.utf8.count <= 64, let credential = try await command(["GET", sessionPointer(id)]).string else { throw .sessionNotFound(id) }
        guard let session = Self.session(try await hashFields(credential), hash: []), session.id == id, session.expiresAt > clock() else {
            throw .sessionNotFound(id)
        }
        return (credential, session)
    }

    /// A session's hash as a session (`hash`: its token's, when known).
    private static func session(_ fields: [String: String], hash: [UInt8]) -> StoredSession? {
        guard fields["type"] == "session", let id = fields["id"], let player = fields["player"],
            let expiresAt = fields["expires"].flatMap({ Int64($0) }), let ttl = fields["ttl"].flatMap({ Int64($0) })
        else { return nil }
        return StoredSession(id: id, player: player, tokenHash: hash, expiresAt: expiresAt, ttlSeconds: ttl, data: Array((fields["data"] ?? "{}").utf8))
    }

    private func hashFields(_ key: String) async throws(ServiceError) -> [String: String] {
        Self.fields(try await command(["HGETALL", key]))
    }

    private static func fields(_ reply: RESPValue) -> [String: String] {
        var fields: [String: String] = [:]
        let values = reply.elements ?? []
        for index in stride(from: 0, to: values.count - 1, by: 2) {
            if let field = values[index].string, let value = values[index + 1].string { fields[field] = value }
        }
        return fields
    }

    private func command(_ arguments: [String]) async throws(ServiceError) -> RESPValue {
        try await send(RESPCommand(arguments.map { Array($0.utf8) }))
    }

    private func send(_ command: RESPCommand) async throws(ServiceError) -> RESPValue {
        do {
            return try await redis.send(command)
        } catch {
            throw .backendUnavailable("\(error)")
        }
    }

    @discardableResult
    private func pipeline(_ commands: [RESPCommand]) async throws(ServiceError) -> [RESPValue] {
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline(commands)
        } catch {
            throw .backendUnavailable("\(error)")
        }
        if let failed = replies.first(where: { $0.errorCode != nil }) { throw .backendUnavailable("Redis: \(failed)") }
        return replies
    }
}
