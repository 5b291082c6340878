import Glibc
import PodiumEngine
import PodiumStorage
import PodiumSync
import Synchronization

/// API keys and player sessions: issue, authenticate, refresh, revoke, expire.
///
/// Tokens are found by their SHA-256, so a lookup's timing tells nothing about the token;
/// the stored hash is then compared in constant time. Every change is logged as the
/// board writes are (``Journal``) and acknowledged once durable. Sessions expire at
/// their time: a use after it fails and removes the session at once, and
/// ``sweepExpired(limit:)`` removes the ones nobody uses, soonest first, a bounded number
/// per call (Redis's active expiry, without the sampling: an index orders them).
public final class AccessRegistry: Sendable {
    /// Milliseconds since the Unix epoch.
    public typealias Clock = @Sendable () -> Int64

    public static let systemClock: Clock = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// SPEC section 4: a session lives 1 s to 30 days.
    public static let ttlSeconds = StoredSession.ttlSeconds
    /// The name of the key podiumd starts with.
    public static let bootstrapKeyName = "bootstrap"

    struct State {
        var keys: [String: StoredKey]
        var keyByHash: [[UInt8]: String] = [:]
        var bootstrap: StoredKey?
        var sessions: [String: StoredSession] = [:]
        var sessionByHash: [[UInt8]: String] = [:]
        /// Session ids by expiry, soonest first: the engine's sorted set, O(log n) a change.
        var expiries = AccessRegistry.expiryIndex()

        mutating func insert(_ session: StoredSession) {
            sessions[session.id] = session
            sessionByHash[session.tokenHash] = session.id
            _ = try? expiries.submit(member: session.id, score: Double(session.expiresAt))
        }

        /// Session `id` unless it has expired by `now`.
        func liveSession(_ id: String, at now: Int64) throws(ServiceError) -> StoredSession {
            guard let session = sessions[id], session.expiresAt > now else { throw .sessionNotFound(id) }
            return session
        }

        mutating func removeSession(_ id: String) -> StoredSession? {
            guard let session = sessions.removeValue(forKey: id) else { return nil }
            sessionByHash[session.tokenHash] = nil
            expiries.remove(member: id)
            return session
        }
    }

    let journal: Journal
    let state: Locked<State>
    /// Keys and sessions removed so far (revoked, ended, expired): a token checked while
    /// the count was lower may have stopped working since (``CheckedToken``).
    let removals = Atomic<UInt64>(0)
    let clock: Clock
    /// New sessions are refused while it is reached.
    let memory: MemoryLimit

    init(journal: Journal, keys: [String: StoredKey], sessions: [String: StoredSession], clock: @escaping Clock, memory: MemoryLimit) {
        self.journal = journal
        self.clock = clock
        self.memory = memory
        // A role this version does not know grants nothing, and is not listed as another.
        var state = State(keys: keys.filter { Role(rawValue: $0.value.role) != nil })
        for key in state.keys.values { state.keyByHash[key.tokenHash] = key.name }
        let now = clock()
        // An expired session does not come back; the next snapshot leaves it out.
        for session in sessions.values where session.expiresAt > now { state.insert(session) }
        self.state = Locked(state)
    }

    private static func expiryIndex() -> Leaderboard {
        do {
            return try Leaderboard(config: BoardConfig(order: .ascending, update: .set))
        } catch {
            preconditionFailure("an unbounded board always exists: \(error)")
        }
    }

    /// Makes `tokenHash` (SHA-256 of the key podiumd was started with) an admin key
    /// named ``bootstrapKeyName``, held in memory only.
    public func installBootstrapKey(tokenHash: [UInt8]) {
        let key = StoredKey(name: Self.bootstrapKeyName, role: Role.admin.rawValue, tokenHash: tokenHash, createdAt: clock())
        state.withLock { $0.bootstrap = key }
    }

    // MARK: Authentication

    /// Who `token` belongs to, or nil for an unknown, malformed, revoked or expired one.
    /// O(token length + log sessions).
    public func authenticate(token: String) -> Principal? {
        check(token)?.principal
    }

    /// Who `token` belongs to and until when (a key: for good), or nil.
    func check(_ token: String) -> (principal: Principal, expiresAt: Int64)? {
        guard !token.isEmpty, token.utf8.count <= Token.maxBytes else { return nil }
        let hash = Token.hash(token)
        let now = clock()
        return state.withLock { state -> (Principal, Int64)? in
            // First, whatever its prefix: PODIUM_ADMIN_KEY is the operator's choice.
            if let bootstrap = state.bootstrap, Token.constantTimeEqual(bootstrap.tokenHash, hash) {
                return (.key(name: bootstrap.name, role: .admin), .max)
            }
            if token.hasPrefix(Token.sessionPrefix) {
                guard let id = state.sessionByHash[hash], let session = state.sessions[id],
                    Token.constantTimeEqual(session.tokenHash, hash)
                else { return nil }
                guard session.expiresAt > now else {
                    // Expired on use: gone now. Not waited for: nobody is told it happened,
                    // and a lost record only brings back a session that is expired anyway.
                    removed { _ = state.removeSession(id) }
                    _ = try? journal.append([.sessionEnded(id: id)])
                    return nil
                }
                return (.session(id: id, player: session.player), session.expiresAt)
            }
            guard let name = state.keyByHash[hash], let key = state.keys[name], Token.constantTimeEqual(key.tokenHash, hash),
                let role = Role(rawValue: key.role)
            else { return nil }
            return (.key(name: name, role: role), .max)
        }
    }

    /// Runs `removal`, which takes keys or sessions away, and counts it in ``removals``.
    func removed<Result>(_ removal: () -> Result) -> Result {
        defer { removals.add(1, ordering: .sequentiallyConsistent) }
        return removal()
    }

    // MARK: Keys

    /// Creates a key; returns it and its secret, which nothing keeps. O(log keys).
    public func createKey(name: String, role: Role) async throws(ServiceError) -> (key: KeySummary, secret: String) {
        try journal.checkWritable()
        try AccessRules.validateKey(name: name)
        let secret = Token.generate(prefix: Token.keyPrefix)
        let key = StoredKey(name: name, role: role.rawValue, tokenHash: Token.hash(secret), createdAt: clock())
        let position = try state.withLock { (state) throws(ServiceError) -> AppendOnlyLog.Position in
            guard state.keys[name] == nil else { throw .keyExists(name) }
            let position = try journal.append([.keyCreated(key)])
            state.keys[name] = key
            state.keyByHash[key.tokenHash] = name
            return position
        }
        try await journal.waitUntilDurable(position)
        return (KeySummary(key, isBootstrap: false), secret)
    }

    /// Every key by name, the bootstrap key first. O(keys log keys).
    public func listKeys() throws(ServiceError) -> [KeySummary] {
        return state.withLock { state in
            (state.bootstrap.map { [KeySummary($0, isBootstrap: true)] } ?? [])
                + state.keys.values.map { KeySummary($0, isBootstrap: false) }.sorted { $0.name < $1.name }
        }
    }

    /// Revokes `name`: its secret stops working at once.
    public func revokeKey(name: String) async throws(ServiceError) {
        try journal.checkWritable()
        let position = try state.withLock { (state) throws(ServiceError) -> AppendOnlyLog.Position in
            if name == Self.bootstrapKeyName, state.bootstrap != nil { throw .keyNotRevocable(name) }
            guard let key = state.keys[name] else { throw .keyNotFound(name) }
            let position = try journal.append([.keyRevoked(name: name)])
            removed {
                state.keys[name] = nil
                state.keyByHash[key.tokenHash] = nil
            }
            return position
        }
        try await journal.waitUntilDurable(position)
    }

    // MARK: Sessions

    /// Opens a session for `player` that lives `ttlSeconds` (and as long again from each
    /// refresh), holding `data` (JSON text). Returns it and its token. O(log sessions).
    public func createSession(
        player: String, ttlSeconds: Int64, data: [UInt8]
    ) async throws(ServiceError) -> (session: SessionSummary, token: String) {
        try journal.checkWritable()
        try AccessRules.validateSession(player: player, ttlSeconds: ttlSeconds, data: data)
        try memory.checkRoomToGrow()
        let token = Token.generate(prefix: Token.sessionPrefix)
        let session = StoredSession(
            id: Token.identifier(prefix: "ses_"), player: player, tokenHash: Token.hash(token),
            expiresAt: clock() + ttlSeconds * 1000, ttlSeconds: ttlSeconds, data: data)
        let position = try state.withLock { (state) throws(ServiceError) -> AppendOnlyLog.Position in
            let position = try journal.append([.sessionStored(session)])
            state.insert(session)
            return position
        }
        try await journal.waitUntilDurable(position)
        return (SessionSummary(session), token)
    }

    /// The live session `id`. Throws ``ServiceError/sessionNotFound(_:)``.
    public func session(id: String) throws(ServiceError) -> SessionSummary {
        let now = clock()
        return try state.withLock { (state) throws(ServiceError) -> SessionSummary in SessionSummary(try state.liveSession(id, at: now)) }
    }

    /// Replaces the session's data.
    public func replaceData(sessionID id: String, data: [UInt8]) async throws(ServiceError) -> SessionSummary {
        try AccessRules.validate(data: data)
        return try await change(id) { session, _ in
            session.data = data
            return .sessionStored(session)
        }
    }

    /// Extends the session to its TTL from now.
    public func refresh(sessionID id: String) async throws(ServiceError) -> SessionSummary {
        try await change(id) { session, now in
            session.expiresAt = now + session.ttlSeconds * 1000
            return .sessionExtended(id: session.id, expiresAt: session.expiresAt)
        }
    }

    /// Ends the session (log out, or a server's revocation): its token stops working.
    public func endSession(id: String) async throws(ServiceError) {
        try journal.checkWritable()
        let now = clock()
        let position = try state.withLock { (state) throws(ServiceError) -> AppendOnlyLog.Position in
            _ = try state.liveSession(id, at: now)
            let position = try journal.append([.sessionEnded(id: id)])
            removed { _ = state.removeSession(id) }
            return position
        }
        try await journal.waitUntilDurable(position)
    }

    /// Removes up to `limit` expired sessions, soonest first; returns how many. Each call
    /// costs O(limit log sessions), whatever the number expired.
    @discardableResult
    public func sweepExpired(limit: Int) -> Int {
        let now = clock()
        return state.withLock { state in
            let due = (try? state.expiries.entries(in: ScoreRange(max: ScoreBound(Double(now), inclusive: true)), offset: 0, limit: limit))?
                .entries ?? []
            guard !due.isEmpty else { return 0 }
            removed { for entry in due { _ = state.removeSession(entry.member) } }
            // Not waited for: see `authenticate`.
            _ = try? journal.append(due.map { .sessionEnded(id: $0.member) })
            return due.count
        }
    }

    // MARK: For snapshots and stats

    /// The keys (the bootstrap key aside) and live sessions, as stored.
    func storedCredentials() -> (keys: [StoredKey], sessions: [StoredSession]) {
        state.withLock { (Array($0.keys.values), Array($0.sessions.values)) }
    }

    func counts() -> (keys: Int, sessions: Int) {
        state.withLock { ($0.keys.count + ($0.bootstrap == nil ? 0 : 1), $0.sessions.count) }
    }

    /// Applies `edit` to live session `id` under the lock (with the time it was found live
    /// at), logs the record it returns, and waits until that is durable.
    private func change(
        _ id: String, _ edit: (inout StoredSession, _ now: Int64) -> LogRecord
    ) async throws(ServiceError) -> SessionSummary {
        try journal.checkWritable()
        let now = clock()
        let (summary, position) = try state.withLock { (state) throws(ServiceError) -> (SessionSummary, AppendOnlyLog.Position) in
            var session = try state.liveSession(id, at: now)
            let record = edit(&session, now)
            let position = try journal.append([record])
            state.insert(session)
            return (SessionSummary(session), position)
        }
        try await journal.waitUntilDurable(position)
        return summary
    }
}

extension KeySummary {
    package init(_ key: StoredKey, isBootstrap: Bool) {
        self.init(name: key.name, role: Role(rawValue: key.role) ?? .server, createdAt: key.createdAt, isBootstrap: isBootstrap)
    }
}

extension SessionSummary {
    package init(_ session: StoredSession) {
        self.init(id: session.id, player: session.player, expiresAt: session.expiresAt, ttlSeconds: session.ttlSeconds, data: session.data)
    }
}
