import PodiumEngine
import PodiumStorage

/// One Podium: its boards, its keys and sessions, the log they share, and the bus the
/// boards' events go out on. Snapshots read both registries, so one snapshot holds the
/// whole state.
public final class Podium: Sendable {
    public let boards: BoardRegistry
    public let access: AccessRegistry
    public let events: any EventBus
    /// `--max-memory`, sampled by whoever runs the service (podiumd: ten times a second).
    public let memory: MemoryLimit
    let journal: Journal

    /// Entries read per hold of a board's lock: at 4096 the longest write during a
    /// snapshot of 1M members measured ~1 ms (BENCHMARKS.md).
    static let snapshotChunk = 4096

    /// The service over `state`, recovered from `store`. `clock` tells the time for
    /// sessions and events (milliseconds since the Unix epoch); tests pass their own.
    /// `memory`: the limit past which new members and sessions are refused.
    /// `onReadOnly` is told, once, why storage failed and the server went read-only.
    public init(
        store: DurableStore, recovered state: StoredState, events: any EventBus = EmbeddedEventBus(),
        clock: @escaping AccessRegistry.Clock = AccessRegistry.systemClock, memory: MemoryLimit = MemoryLimit(bytes: nil),
        onReadOnly: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        journal = Journal(store: store, onReadOnly: onReadOnly)
        self.events = events
        self.memory = memory
        // What the last graceful stop kept for resumes. A payload that does not decode (its
        // frame passed its checksum, so only a bug makes one) costs its board's history alone.
        events.restore(store.takeSavedEventHistory().compactMap { try? BoardHistory(decoding: $0) })
        boards = BoardRegistry(journal: journal, recovered: state, bus: events, clock: clock, memory: memory)
        access = AccessRegistry(journal: journal, keys: state.keys, sessions: state.sessions, clock: clock, memory: memory)
    }

    /// Flushes and fsyncs the log, saves the events' history beside it (so that streams
    /// resumed after the restart replay what they missed) and releases the data directory.
    /// Call once no request is being served. Returns how many boards' histories were kept.
    /// O(log tail + history).
    @discardableResult
    public func close() throws -> Int {
        let histories = events.keptHistory().filter { !$0.events.isEmpty }.map { $0.encoded() }
        try journal.store.close(savingEventHistory: histories)
        return histories.count
    }

    /// Whether the service takes writes: false once the log has failed and it is
    /// read-only (reads go on).
    public var isHealthy: Bool { journal.isHealthy }

    /// The log's counters (bytes appended, fsyncs, time in fsync), for metrics.
    public var logStatistics: (bytesWritten: UInt64, syncs: Int, syncNanoseconds: UInt64) { journal.store.log.statistics }

    /// Takes a snapshot now and retires the log it replaces: this is also how the log is
    /// compacted. Throws ``ServiceError/snapshotInProgress`` while another one runs.
    public func snapshot() async throws(ServiceError) -> DurableStore.SnapshotSummary {
        try await whileHealthy { try await journal.store.snapshot { try write(to: $0) } }
    }

    /// A backup of everything (boards, keys, sessions) in one file in the snapshot format,
    /// exact as of a moment after the call: every change acknowledged before it is in it.
    /// Taken as snapshots are, while writes go on. Throws
    /// ``ServiceError/snapshotInProgress`` while a snapshot or another backup runs.
    public func backup() async throws(ServiceError) -> DurableStore.BackupFile {
        try await whileHealthy { try await journal.store.backup { try write(to: $0) } }
    }

    /// Runs a snapshot or backup `body` unless the log has failed, its errors as the
    /// service tells them.
    private func whileHealthy<Result>(_ body: () async throws -> Result) async throws(ServiceError) -> Result {
        try journal.checkWritable()
        do {
            return try await body()
        } catch is DurableStore.SnapshotInProgress {
            throw .snapshotInProgress
        } catch {
            throw .snapshotFailed("\(error)")
        }
    }

    /// Compacts the log in the background under `policy` until the task is cancelled.
    public func compact(policy: DurableStore.CompactionPolicy, onError: (any Error) -> Void = { _ in }) async {
        await journal.store.compact(policy: policy, write: { try write(to: $0) }, onError: onError)
    }

    /// Counts for operators: boards, members, keys, sessions, the log's work since start.
    public func statistics() throws(ServiceError) -> ServiceStatistics {
        let boards = try boards.listBoards()
        let log = journal.store.log.statistics
        let access = access.counts()
        let encryption = journal.store.encryption
        return ServiceStatistics(
            boards: boards.count, members: boards.reduce(0) { $0 + $1.size }, keys: access.keys, sessions: access.sessions,
            memoryLimitBytes: memory.bytes, memoryLimitReached: memory.isReached, fsyncPolicy: journal.store.log.policy, logBytesWritten: log.bytesWritten, logSyncs: log.syncs,
            logSyncNanoseconds: log.syncNanoseconds, events: events.statistics(), encryptionKeyID: encryption.keyID?.description,
            filesUnderOtherKeys: encryption.filesUnderOtherKeys)
    }

    private func write(to snapshot: SnapshotWriter) throws {
        // No reset runs meanwhile (``DurableStore/withoutSnapshot(_:)``): a board's live
        // season and past seasons are read as one.
        for handle in boards.handles.withLock({ Array($0.values) }) {
            let (config, size, seq, start, seasons) = handle.state.withLock {
                ($0.board.config, $0.board.count, $0.seq, $0.seasonStart, $0.seasons)
            }
            try snapshot.writeBoard(name: handle.name, config: config, sizeHint: size, sequence: seq, seasonStart: start) { cursor in
                // A board dropped meanwhile yields nothing more: the log holds its drop.
                handle.state.withLock { state in
                    guard !state.isDropped else { return ([], [], nil) }
                    let chunk = state.board.storedEntries(after: cursor, limit: Self.snapshotChunk)
                    return (chunk.entries, state.board.metadata(of: chunk.entries), chunk.next)
                }
            }
            // Past seasons never change: read without the board's lock.
            for season in seasons { try snapshot.writeSeason(season) }
        }
        let (keys, sessions) = access.storedCredentials()
        try snapshot.writeCredentials(keys: keys, sessions: sessions)
    }
}
