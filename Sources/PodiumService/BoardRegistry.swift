import PodiumEngine
import PodiumStorage
import PodiumSync

/// Every board, and the write path: validate, apply to the engine, append the effect to
/// the log, wait until it is durable under the fsync policy, publish its events,
/// acknowledge.
///
/// A board's writes are serialised by its own lock and logged under it, so the log holds
/// them in the order they were applied; the wait for durability happens outside the
/// lock, so one fsync serves many writers (group commit). The registry's lock only guards
/// the name -> board map. A log failure fails the registry, reads included (``Journal``).
public final class BoardRegistry: Sendable {
    /// Most entries in one batch submission.
    public static let maxBatch = 1000

    let journal: Journal
    let handles: Locked<[String: BoardHandle]>
    /// Where the boards' events go.
    let bus: any EventBus
    /// Milliseconds since the Unix epoch, for events' `at`.
    let clock: AccessRegistry.Clock
    /// New members are refused while it is reached.
    let memory: MemoryLimit

    /// The registry over the boards of `state`, recovered from the journal's store, with
    /// their event numbers going on from the recovered ones.
    init(journal: Journal, recovered state: StoredState, bus: any EventBus, clock: @escaping AccessRegistry.Clock, memory: MemoryLimit) {
        self.journal = journal
        self.bus = bus
        self.clock = clock
        self.memory = memory
        let now = clock()
        handles = Locked(state.boards.reduce(into: [:]) { handles, board in
            let seq = state.sequences[board.key] ?? 0
            handles[board.key] = BoardHandle(
                name: board.key, board: board.value, seq: seq, publisher: bus.open(board: board.key, seq: seq),
                seasons: state.seasons[board.key] ?? [], seasonStart: state.seasonStarts[board.key], now: now)
        })
    }

    // MARK: Boards

    /// Creates `name` with `config`; idempotent for the same config. Returns whether it
    /// was created. Throws ``ServiceError/boardConfigConflict(_:)`` for another config.
    @discardableResult
    public func createBoard(name: String, config: BoardConfig) async throws(ServiceError) -> Bool {
        try checkWritable()
        try BoardName.validate(name)
        let board = try BoardRules.emptyBoard(config)
        let position = try handles.withLock { (handles) throws(ServiceError) -> AppendOnlyLog.Position? in
            if let existing = handles[name] {
                let existingConfig = existing.state.withLock { $0.board.config }
                guard existingConfig == config else { throw .boardConfigConflict(name) }
                return nil
            }
            let now = clock()
            let position = try append([.boardCreated(board: name, config: config), .seasonBegan(board: name, at: now)])
            handles[name] = BoardHandle(
                name: name, board: board, seq: 0, publisher: bus.open(board: name, seq: 0), seasonStart: now, now: now)
            return position
        }
        guard let position else { return false }
        try await waitUntilDurable(position)
        return true
    }

    /// Drops `name` and every entry on it; its streams end with a `board_dropped` event.
    public func dropBoard(name: String) async throws(ServiceError) {
        try checkWritable()
        if SeasonName(name) != nil { throw .seasonReadOnly(name) }
        let (handle, position, event) = try handles.withLock { (handles) throws(ServiceError) in
            guard let handle = handles.removeValue(forKey: name) else { throw .boardNotFound(name) }
            // Under the board's lock: no writer of it can log after the drop record.
            return try handle.state.withLock { (state) throws(ServiceError) in
                state.isDropped = true
                let event = BoardEvent(seq: state.nextSeq(), board: name, kind: .boardDropped, at: clock())
                return (handle, try append([.boardDropped(board: name)]), event)
            }
        }
        try await waitUntilDurable(position)
        handle.release([event])
    }

    /// Every board, by name. O(boards).
    public func listBoards() throws(ServiceError) -> [BoardSummary] {
        handles.withLock { Array($0.values) }.compactMap { try? summary(of: $0) }.sorted { $0.name < $1.name }
    }

    /// A live board, or a past season (`board@season`: its config and size).
    public func board(named name: String) throws(ServiceError) -> BoardSummary {
        guard SeasonName(name) != nil else { return try summary(of: handle(name)) }
        return try withReadableBoard(name) { board in BoardSummary(name: name, config: board.config, size: board.count, seq: 0) }
    }

    // MARK: Writes

    /// Submits one score. O(log n), plus the wait for durability.
    public func submit(board name: String, _ submission: ScoreSubmission) async throws(ServiceError) -> SubmitResult {
        try await write(board: name) { (state, effect) throws(ServiceError) in try apply(submission, to: &state, effect: &effect) }
    }

    /// ``submit(board:_:)`` without the wait: the score is applied and logged, and the
    /// result is the caller's once the write is durable (``PendingWrite``). O(log n).
    public func beginSubmit(board name: String, _ submission: ScoreSubmission) throws(ServiceError) -> PendingWrite<SubmitResult> {
        try begin(board: name) { (state, effect) throws(ServiceError) in try apply(submission, to: &state, effect: &effect) }
    }

    /// Submits up to ``maxBatch`` scores to one board, applied in order under one hold of
    /// its lock and logged in one write; one result each (an invalid entry fails alone).
    public func submitBatch(
        board name: String, _ submissions: [ScoreSubmission]
    ) async throws(ServiceError) -> [Result<SubmitResult, ServiceError>] {
        try await acknowledged(try beginBatch(board: name, submissions))
    }

    /// ``submitBatch(board:_:)`` without the wait, as ``beginSubmit(board:_:)`` is
    /// ``submit(board:_:)``'s. O(k log n) for k submissions.
    public func beginBatch(
        board name: String, _ submissions: [ScoreSubmission]
    ) throws(ServiceError) -> PendingWrite<[Result<SubmitResult, ServiceError>]> {
        guard submissions.count <= Self.maxBatch else { throw .batchTooLarge(count: submissions.count, limit: Self.maxBatch) }
        return try begin(board: name) { (state, effect) throws(ServiceError) in
            var results: [Result<SubmitResult, ServiceError>] = []
            results.reserveCapacity(submissions.count)
            effect.reserveCapacity(submissions.count)
            state.board.warm(for: submissions.map(\.member))
            for submission in submissions {
                do throws(ServiceError) {
                    results.append(.success(try apply(submission, to: &state, effect: &effect)))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    /// Removes `member` from `board`.
    @discardableResult
    public func removeMember(board name: String, member: String) async throws(ServiceError) -> Removal {
        try MemberID.validate(member)
        return try await write(board: name) { (state, effect) throws(ServiceError) in
            guard let removal = state.board.remove(member: member) else { throw .memberNotFound(board: name, member: member) }
            effect.removed(removal, reason: .removed, from: &state)
            return removal
        }
    }

    // MARK: Internals

    func handle(_ name: String) throws(ServiceError) -> BoardHandle {
        if let season = SeasonName(name) {
            try BoardName.validate(season.board)
            throw .seasonReadOnly(name)
        }
        try BoardName.validate(name)
        guard let handle = handles.withLock({ $0[name] }) else { throw .boardNotFound(name) }
        return handle
    }

    private func summary(of handle: BoardHandle) throws(ServiceError) -> BoardSummary {
        try handle.withState { state in
            BoardSummary(
                name: handle.name, config: state.board.config, size: state.board.count, seq: state.seq, nextReset: state.nextReset,
                seasonStart: state.seasonStart)
        }
    }

    /// The write path of every change to a board: runs `body` on it under its lock, logs the
    /// effect `body` gathered (in the order of the lock), waits until that is durable outside
    /// the lock, then publishes the effect's events.
    func write<Result: Sendable>(
        board name: String, _ body: (inout BoardHandle.State, inout WriteEffect) throws(ServiceError) -> Result
    ) async throws(ServiceError) -> Result {
        try await acknowledged(try begin(board: name, body))
    }

    /// `pending`'s value, once it is durable (its events published then).
    func acknowledged<Value>(_ pending: PendingWrite<Value>) async throws(ServiceError) -> Value {
        try await waitUntilDurable(pending.position)
        return pending.released()
    }

    /// ``write(board:_:)`` up to the wait: `body` applied and its effect logged.
    func begin<Result: Sendable>(
        board name: String, _ body: (inout BoardHandle.State, inout WriteEffect) throws(ServiceError) -> Result
    ) throws(ServiceError) -> PendingWrite<Result> {
        try checkWritable()
        let handle = try handle(name)
        // The board is let go once its record has its place in the log: its records keep
        // their order, and the board is not held while the record is sealed and written.
        let (result, position, events) = try handle.withState { (state, release) throws(ServiceError) in
            var effect = WriteEffect(board: name, at: clock())
            let result = try body(&state, &effect)
            let records = effect.log(seq: state.seq)
            return (result, try append(records) { release() }, effect.events)
        }
        return PendingWrite(value: result, position: position, events: events, handle: handle, journal: journal)
    }

    /// Applies one submission to the board and adds its records and events to `effect`.
    func apply(
        _ submission: ScoreSubmission, to state: inout BoardHandle.State, effect: inout WriteEffect
    ) throws(ServiceError) -> SubmitResult {
        try BoardRules.validateMetadata(submission)
        if memory.isReached, growth(of: submission, on: state.board) { try memory.checkRoomToGrow() }
        let update: ScoreUpdate
        do {
            update = try state.board.submit(member: submission.member, score: submission.score, policy: submission.policy)
        } catch LeaderboardError.invalidMember {
            throw .invalidMember
        } catch LeaderboardError.scoreOutOfBounds {
            throw .scoreOutOfBounds(min: state.board.config.minScore, max: state.board.config.maxScore)
        } catch {
            throw .invalidScore
        }
        effect.submitted(update, to: &state)
        if let metadata = submission.metadata, update.rank != nil, state.board.setMetadata(metadata, of: update.member) {
            effect.metadataSet(of: update.member, to: metadata)
        }
        return SubmitResult(
            member: update.member, entry: state.board.entry(after: update),
            previousScore: update.previousScore, previousRank: update.previousRank, changed: update.changed,
            evicted: update.evicted)
    }

    /// Whether `submission` would add to what the board holds: a new member, or metadata
    /// longer than the member's.
    private func growth(of submission: ScoreSubmission, on board: Leaderboard) -> Bool {
        guard board.score(of: submission.member) != nil else { return true }
        guard let metadata = submission.metadata else { return false }
        return metadata.count > board.metadata(of: submission.member)?.count ?? 0
    }

    func append(_ records: [LogRecord], onLocked: () -> Void = {}) throws(ServiceError) -> AppendOnlyLog.Position {
        try journal.append(records) { onLocked() }
    }

    func waitUntilDurable(_ position: AppendOnlyLog.Position) async throws(ServiceError) {
        try await journal.waitUntilDurable(position)
    }

    func checkWritable() throws(ServiceError) {
        try journal.checkWritable()
    }
}

// MARK: Events

extension BoardRegistry {
    /// Subscribes to `board`'s events that pass `filter`, after `since` (replayed from the
    /// bus's history) or from the next change. Members watched for `overtaken` are
    /// registered under the board's lock before the bus subscription starts, and released
    /// when it ends.
    public func subscribe(board name: String, filter: EventFilter, since: UInt64?) async throws(ServiceError) -> EventSubscription {
        try filter.validate()
        let handle = try handle(name)
        let members = filter.members.map { Array($0.utf8) }
        if !members.isEmpty {
            try handle.withState { state in
                for (member, id) in zip(members, filter.members) {
                    state.watched.watch(member, at: state.board.storedEntry(for: id), on: state.board.config)
                }
            }
        }
        do {
            return try await bus.subscribe(board: name, filter: filter, since: since) { handle.unwatch(members) }
        } catch {
            handle.unwatch(members)
            throw error
        }
    }
}
