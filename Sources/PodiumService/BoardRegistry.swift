import PodiumEngine
import PodiumStorage
import Synchronization

/// Every board, and the write path: validate, apply to the engine, append the effect to
/// the log, wait until it is durable under the fsync policy, acknowledge.
///
/// A board's writes are serialised by its own lock and logged under it, so the log holds
/// them in the order they were applied; the wait for durability happens outside the
/// lock, so one fsync serves many writers (group commit). The registry's lock only guards
/// the name -> board map. A log failure fails the registry, reads included (``Journal``).
public final class BoardRegistry: Sendable {
    /// Most entries in one batch submission.
    public static let maxBatch = 1000

    let journal: Journal
    let handles: Mutex<[String: BoardHandle]>

    /// The registry over `boards`, recovered from the journal's store.
    init(journal: Journal, boards: [String: Leaderboard]) {
        self.journal = journal
        handles = Mutex(boards.reduce(into: [:]) { $0[$1.key] = BoardHandle(name: $1.key, board: $1.value) })
    }

    // MARK: Boards

    /// Creates `name` with `config`; idempotent for the same config. Returns whether it
    /// was created. Throws ``ServiceError/boardConfigConflict(_:)`` for another config.
    @discardableResult
    public func createBoard(name: String, config: BoardConfig) async throws(ServiceError) -> Bool {
        try checkHealthy()
        try BoardName.validate(name)
        let board: Leaderboard
        do {
            board = try Leaderboard(config: config)
        } catch {
            throw .invalidConfig("max_size must be at least 1")
        }
        let position = try handles.withLock { (handles) throws(ServiceError) -> AppendOnlyLog.Position? in
            if let existing = handles[name] {
                let existingConfig = existing.state.withLock { $0.board.config }
                guard existingConfig == config else { throw .boardConfigConflict(name) }
                return nil
            }
            let position = try append([.boardCreated(board: name, config: config)])
            handles[name] = BoardHandle(name: name, board: board)
            return position
        }
        guard let position else { return false }
        try await waitUntilDurable(position)
        return true
    }

    /// Drops `name` and every entry on it.
    public func dropBoard(name: String) async throws(ServiceError) {
        try checkHealthy()
        let position = try handles.withLock { (handles) throws(ServiceError) -> AppendOnlyLog.Position in
            guard let handle = handles.removeValue(forKey: name) else { throw .boardNotFound(name) }
            // Under the board's lock: no writer of it can log after the drop record.
            return try handle.state.withLock { (state) throws(ServiceError) -> AppendOnlyLog.Position in
                state.isDropped = true
                return try append([.boardDropped(board: name)])
            }
        }
        try await waitUntilDurable(position)
    }

    /// Every board, by name. O(boards).
    public func listBoards() throws(ServiceError) -> [BoardSummary] {
        try checkHealthy()
        return handles.withLock { Array($0.values) }.compactMap { try? summary(of: $0) }.sorted { $0.name < $1.name }
    }

    public func board(named name: String) throws(ServiceError) -> BoardSummary {
        try summary(of: handle(name))
    }

    // MARK: Writes

    /// Submits one score. O(log n), plus the wait for durability.
    public func submit(board name: String, _ submission: ScoreSubmission) async throws(ServiceError) -> SubmitResult {
        let (result, position) = try handle(name).withBoard { (board) throws(ServiceError) in
            let outcome = try apply(submission, to: &board, named: name)
            return (outcome.result, try append(outcome.records))
        }
        try await waitUntilDurable(position)
        return result
    }

    /// Submits up to ``maxBatch`` scores to one board, applied in order under one hold of
    /// its lock and logged in one write; one result each (an invalid entry fails alone).
    public func submitBatch(
        board name: String, _ submissions: [ScoreSubmission]
    ) async throws(ServiceError) -> [Result<SubmitResult, ServiceError>] {
        guard submissions.count <= Self.maxBatch else { throw .batchTooLarge(count: submissions.count, limit: Self.maxBatch) }
        let (results, position) = try handle(name).withBoard { (board) throws(ServiceError) in
            var results: [Result<SubmitResult, ServiceError>] = []
            var records: [LogRecord] = []
            for submission in submissions {
                do throws(ServiceError) {
                    let outcome = try apply(submission, to: &board, named: name)
                    records += outcome.records
                    results.append(.success(outcome.result))
                } catch {
                    results.append(.failure(error))
                }
            }
            return (results, try append(records))
        }
        try await waitUntilDurable(position)
        return results
    }

    /// Removes `member` from `board`.
    @discardableResult
    public func removeMember(board name: String, member: String) async throws(ServiceError) -> Removal {
        try MemberID.validate(member)
        let (removal, position) = try handle(name).withBoard { (board) throws(ServiceError) in
            guard let removal = board.remove(member: member) else { throw .memberNotFound(board: name, member: member) }
            return (removal, try append([.memberRemoved(board: name, member: member)]))
        }
        try await waitUntilDurable(position)
        return removal
    }

    // MARK: Internals

    func handle(_ name: String) throws(ServiceError) -> BoardHandle {
        try checkHealthy()
        try BoardName.validate(name)
        guard let handle = handles.withLock({ $0[name] }) else { throw .boardNotFound(name) }
        return handle
    }

    private func summary(of handle: BoardHandle) throws(ServiceError) -> BoardSummary {
        try handle.withBoard { board in BoardSummary(name: handle.name, config: board.config, size: board.count) }
    }

    /// Applies one submission and returns its result and the records of its effect.
    private func apply(
        _ submission: ScoreSubmission, to board: inout Leaderboard, named name: String
    ) throws(ServiceError) -> (result: SubmitResult, records: [LogRecord]) {
        let update: ScoreUpdate
        do {
            update = try board.submit(member: submission.member, score: submission.score, policy: submission.policy)
        } catch LeaderboardError.invalidMember {
            throw .invalidMember
        } catch {
            throw .invalidScore
        }
        var records: [LogRecord] = []
        if update.changed, let score = update.score {
            records.append(.scoreSet(board: name, entry: StoredEntry(member: update.member, score: score, stamp: update.stamp)))
        }
        if let evicted = update.evicted { records.append(.memberRemoved(board: name, member: evicted)) }
        let result = SubmitResult(
            member: update.member, entry: update.rank == nil ? nil : board.entry(for: update.member),
            previousScore: update.previousScore, previousRank: update.previousRank, changed: update.changed,
            evicted: update.evicted)
        return (result, records)
    }

    private func append(_ records: [LogRecord]) throws(ServiceError) -> AppendOnlyLog.Position {
        try journal.append(records)
    }

    private func waitUntilDurable(_ position: AppendOnlyLog.Position) async throws(ServiceError) {
        try await journal.waitUntilDurable(position)
    }

    func checkHealthy() throws(ServiceError) {
        try journal.checkHealthy()
    }
}
