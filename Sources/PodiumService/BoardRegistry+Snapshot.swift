import PodiumStorage

/// Snapshots of every board, read in chunks between writes.
extension BoardRegistry {
    /// Entries read per hold of a board's lock: at 4096 the longest write during a
    /// snapshot of 1M members measured ~1 ms (BENCHMARKS.md).
    static let snapshotChunk = 4096

    /// Takes a snapshot now and retires the log it replaces: this is also how the log is
    /// compacted. Throws ``ServiceError/snapshotInProgress`` while another one runs.
    public func snapshot() async throws(ServiceError) -> DurableStore.SnapshotSummary {
        try checkHealthy()
        do {
            return try await store.snapshot { try writeBoards(to: $0) }
        } catch is DurableStore.SnapshotInProgress {
            throw .snapshotInProgress
        } catch {
            throw .snapshotFailed("\(error)")
        }
    }

    /// Counts for operators: boards, members, the log's work since start.
    public func statistics() throws(ServiceError) -> ServiceStatistics {
        let boards = try listBoards()
        let log = store.log.statistics
        return ServiceStatistics(
            boards: boards.count, members: boards.reduce(0) { $0 + $1.size }, fsyncPolicy: store.log.policy,
            logBytesWritten: log.bytesWritten, logSyncs: log.syncs, logSyncNanoseconds: log.syncNanoseconds)
    }

    /// Compacts the log in the background under `policy` until the task is cancelled.
    public func compact(policy: DurableStore.CompactionPolicy, onError: (any Error) -> Void = { _ in }) async {
        await store.compact(policy: policy, write: { try writeBoards(to: $0) }, onError: onError)
    }

    private func writeBoards(to snapshot: SnapshotWriter) throws {
        for handle in handles.withLock({ Array($0.values) }) {
            let (config, size) = handle.state.withLock { ($0.board.config, $0.board.count) }
            try snapshot.writeBoard(name: handle.name, config: config, sizeHint: size) { cursor in
                // A board dropped meanwhile yields nothing more: the log holds its drop.
                handle.state.withLock { $0.isDropped ? ([], nil) : $0.board.storedEntries(after: cursor, limit: Self.snapshotChunk) }
            }
        }
    }
}
