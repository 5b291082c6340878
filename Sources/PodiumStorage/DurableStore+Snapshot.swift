import Glibc

/// Snapshots and compaction.
extension DurableStore {
    /// What a snapshot wrote.
    public struct SnapshotSummary: Sendable {
        public var file: String
        public var bytes: Int
    }

    /// Takes a snapshot and retires the files it replaces. `read` writes every board to
    /// the writer, chunk by chunk between writes (``PodiumEngine/Leaderboard/storedEntries(after:limit:)``).
    ///
    /// The log first rolls to a new segment N, which the manifest lists first; the
    /// snapshot is then "state as of the start of segment N", made exact by replaying N.
    /// Only when the snapshot is durable does the manifest switch to it, and only then are
    /// the older snapshot and segments removed. A crash at any point leaves a manifest
    /// whose files are all there. One snapshot runs at a time; a second call throws.
    public func snapshot(_ read: (SnapshotWriter) async throws -> Void) async throws -> SnapshotSummary {
        try await exclusively { () async throws -> SnapshotSummary in try await takeSnapshot(read) }
    }

    /// Runs `body` as the one snapshot (or backup) running; throws ``SnapshotInProgress``
    /// while another runs.
    func exclusively<Result>(_ body: () async throws -> Result) async throws -> Result {
        guard snapshotRunning.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            throw SnapshotInProgress()
        }
        defer { snapshotRunning.store(false, ordering: .releasing) }
        return try await body()
    }

    /// Runs `body` while no snapshot or backup runs, waiting for one that does, and keeps
    /// them from starting meanwhile. A board reset moves a whole board aside: a snapshot
    /// reading that board chunk by chunk, or replaying the log over itself, must see it
    /// entirely before or entirely after.
    public func withoutSnapshot<Result, Failure: Error>(_ body: () async throws(Failure) -> Result) async throws(Failure) -> Result {
        while !snapshotRunning.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                await Task.yield()
            }
        }
        defer { snapshotRunning.store(false, ordering: .releasing) }
        return try await body()
    }

    private func takeSnapshot(_ read: (SnapshotWriter) async throws -> Void) async throws -> SnapshotSummary {
        let number = log.activeSegment.number + 1
        // The manifest lists the new segment before any write goes into it: a segment it
        // does not list is a leftover that recovery removes, acknowledged writes and all.
        let segment = try Self.createSegment(number, in: directory, keyring: keyring)
        try updateManifest { $0.segments.append(number) }
        try log.roll(to: segment)

        let writer = try SnapshotWriter(target: directory.snapshotPath(number), fileSystem: directory.fileSystem, keyring: keyring)
        let bytes: Int
        do {
            try await read(writer)
            bytes = try writer.finish(directory: directory.path)
        } catch {
            writer.abandon()
            throw error
        }
        try updateManifest { manifest in
            manifest.snapshot = number
            manifest.segments.removeAll { $0 < number }
        }
        snapshotBytes.store(bytes, ordering: .relaxed)
        // The snapshot and the segments from N are all under the writing key.
        filesUnderOtherKeys.store(0, ordering: .relaxed)
        try removeUnlistedFiles()
        return SnapshotSummary(file: DataDirectory.fileName("snapshot", number, "snap"), bytes: bytes)
    }

    /// Whether the log has grown past `multiple` times the last snapshot (and past
    /// `minimumBytes`, so a small board is not snapshotted on every write): the trigger
    /// for a background snapshot, which compacts the log into it.
    public func needsCompaction(multiple: Double = 2, minimumBytes: Int = 64 << 20) -> Bool {
        let logBytes = manifest.withLock { manifest in
            manifest.segments.reduce(0) { total, segment in total + (directory.fileSystem.size(of: directory.segmentPath(segment)) ?? 0) }
        }
        return logBytes >= minimumBytes && Double(logBytes) >= multiple * Double(snapshotBytes.load(ordering: .relaxed))
    }

    /// When the log is compacted into a new snapshot.
    public struct CompactionPolicy: Sendable {
        /// Compact once the log is this many times the size of the last snapshot...
        public var multiple: Double
        /// ...and at least this large.
        public var minimumBytes: Int
        /// How often to look.
        public var interval: Duration

        public init(multiple: Double = 2, minimumBytes: Int = 64 << 20, interval: Duration = .seconds(1)) {
            self.multiple = multiple
            self.minimumBytes = minimumBytes
            self.interval = interval
        }
    }

    /// Compacts in the background until the task is cancelled: whenever the log has grown
    /// past `policy`, takes a snapshot with `write` (which reads the boards in chunks
    /// between writes, so writes go on) and retires the segments it replaces. A failed
    /// snapshot is reported to `onError` and tried again at the next look.
    public func compact(
        policy: CompactionPolicy, write: (SnapshotWriter) async throws -> Void,
        onError: (any Error) -> Void = { _ in }
    ) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: policy.interval)
            } catch {
                return
            }
            guard needsCompaction(multiple: policy.multiple, minimumBytes: policy.minimumBytes) else { continue }
            do {
                _ = try await snapshot(write)
            } catch is SnapshotInProgress {
                continue
            } catch {
                onError(error)
            }
        }
    }

    private func updateManifest(_ change: (inout Manifest) -> Void) throws(StorageError) {
        try manifest.withLock { (manifest) throws(StorageError) in
            var updated = manifest
            change(&updated)
            try directory.writeAtomically(updated.encoded, to: directory.manifestPath)
            manifest = updated
        }
    }

    /// Thrown by ``snapshot(_:)`` and ``backup(_:)`` while another snapshot or backup runs.
    public struct SnapshotInProgress: Error, Sendable {}
}
