import Glibc
import PodiumEngine
import Synchronization

/// Podium's persistence: a locked data directory, the append-only log, snapshots and
/// recovery. Open it once per process; it hands back the boards as they were.
///
/// Recovery loads the manifest's snapshot, then replays its segments in order. A crash
/// can only cut the last segment short: that torn tail is truncated, with a warning
/// naming the bytes dropped. Any other damage refuses to start, naming the file, the
/// offset and the `podium check` command.
public final class DurableStore: Sendable {
    public let directory: DataDirectory
    public let log: AppendOnlyLog
    let manifest: Locked<Manifest>
    /// Bytes of the last snapshot, for the compaction trigger.
    let snapshotBytes: Atomic<Int>
    let snapshotRunning = Atomic<Bool>(false)

    /// Opens (creating) the data directory at `path`, recovers its boards and starts the
    /// log under `policy`. O(snapshot + log).
    public static func open(path: String, policy: FsyncPolicy) throws -> (store: DurableStore, boards: StoredState, report: RecoveryReport) {
        try open(path: path, policy: policy, fileSystem: PosixFileSystem())
    }

    /// ``open(path:policy:)`` on `fileSystem`.
    package static func open(
        path: String, policy: FsyncPolicy, fileSystem: any FileSystem
    ) throws -> (store: DurableStore, boards: StoredState, report: RecoveryReport) {
        let directory = try DataDirectory(path: path, fileSystem: fileSystem)
        var report = RecoveryReport()
        let manifest: Manifest
        if fileSystem.exists(directory.manifestPath) {
            manifest = try Manifest(decoding: fileSystem.open(directory.manifestPath, flags: O_RDONLY).readAll(), file: directory.manifestPath)
        } else {
            let strays = try fileSystem.contents(of: path).filter { $0.hasPrefix("segment-") || $0.hasPrefix("snapshot-") }
            guard strays.isEmpty else {
                throw StorageError.inconsistent(
                    file: directory.manifestPath, offset: 0, reason: "missing, while \(strays.sorted().joined(separator: ", ")) exist")
            }
            manifest = Manifest(snapshot: nil, segments: [1])
            _ = try createSegment(1, in: directory)
            try directory.writeAtomically(manifest.encoded, to: directory.manifestPath)
        }

        var boards = StoredState()
        var snapshotBytes = 0
        if let snapshot = manifest.snapshot {
            let path = directory.snapshotPath(snapshot)
            let bytes = try fileSystem.open(path, flags: O_RDONLY).readAll()
            snapshotBytes = bytes.count
            report.snapshotEntries = try SnapshotReader.load(bytes, file: path, into: &boards)
            report.snapshot = DataDirectory.fileName("snapshot", snapshot, "snap")
        }
        var activeLength = FileHeader.size
        // A crash between a snapshot listing its new segment and the log rolling into it
        // leaves the segment before with the tail: it may be torn if only empty ones follow.
        let lastWritten = try lastWrittenSegment(of: manifest, in: directory)
        for segment in manifest.segments {
            activeLength = try replay(segment: segment, mayBeTorn: segment >= lastWritten, directory: directory, into: &boards, report: &report)
        }
        guard let active = manifest.segments.last else { preconditionFailure("a decoded manifest has a segment") }
        // Not O_APPEND: the log writes at its own offset (pwrite), below preallocated blocks.
        let file = try fileSystem.open(directory.segmentPath(active), flags: O_WRONLY)
        let store = DurableStore(
            directory: directory, log: AppendOnlyLog(
                file: file, segment: active, length: activeLength, policy: policy, preallocation: fileSystem.preallocationStep),
            manifest: manifest, snapshotBytes: snapshotBytes)
        try store.removeUnlistedFiles()
        return (store, boards, report)
    }

    private init(directory: DataDirectory, log: AppendOnlyLog, manifest: Manifest, snapshotBytes: Int) {
        self.directory = directory
        self.log = log
        self.manifest = Locked(manifest)
        self.snapshotBytes = Atomic(snapshotBytes)
    }

    /// Flushes and fsyncs the log, then releases the directory lock.
    public func close() throws {
        try log.close()
        directory.releaseLock()
    }

    /// The last listed segment holding a record (zeros aside), or the first one: the only
    /// one a crash may have left torn. Reads the segments from the end until one has data.
    static func lastWrittenSegment(of manifest: Manifest, in directory: DataDirectory) throws(StorageError) -> UInt64 {
        for segment in manifest.segments.reversed() {
            let bytes = try directory.fileSystem.open(directory.segmentPath(segment), flags: O_RDONLY).readAll()
            if !bytes.dropFirst(FileHeader.size).allSatisfy({ $0 == 0 }) { return segment }
        }
        return manifest.segments.first ?? 0
    }

    /// Replays one segment into `boards`; returns its valid length. Only the segment
    /// written last (`mayBeTorn`) may end inside a record.
    private static func replay(
        segment: UInt64, mayBeTorn: Bool, directory: DataDirectory, into boards: inout StoredState, report: inout RecoveryReport
    ) throws -> Int {
        let path = directory.segmentPath(segment)
        let file = try directory.fileSystem.open(path, flags: O_RDWR)
        let bytes = try file.readAll()
        let outcome = try FrameScanner.scanSegment(bytes, file: path) { (record, offset) throws(StorageError) in
            do {
                if try boards.apply(record) == .skippedMissingBoard { report.skippedRecords += 1 }
                report.records += 1
            } catch {
                throw .inconsistent(file: path, offset: offset, reason: "\(error)")
            }
        }
        report.segments += 1
        if outcome.tornBytes > 0, !mayBeTorn {
            throw StorageError.corrupt(file: path, offset: outcome.validLength, reason: "a segment before the last ends inside a record")
        }
        if outcome.tornBytes + outcome.paddingBytes > 0 {
            try file.truncate(to: outcome.validLength)
            try file.sync()
        }
        if outcome.tornBytes > 0 {
            // The record's own zero bytes count as padding: report all that was cut.
            report.truncatedBytes = outcome.tornBytes + outcome.paddingBytes
            report.warnings.append(
                "\(path): cut \(report.truncatedBytes) bytes at offset \(outcome.validLength), a record a crash interrupted")
        }
        return outcome.validLength
    }

    /// Creates segment `number` with its header, durable, and returns it open for appends.
    static func createSegment(_ number: UInt64, in directory: DataDirectory) throws(StorageError) -> any StorageFile {
        let file = try directory.fileSystem.open(directory.segmentPath(number), flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        try file.write(FileHeader.bytes(magic: FileHeader.segmentMagic))
        try file.sync()
        try directory.fileSystem.syncDirectory(directory.path)
        return file
    }

    /// Removes snapshots, segments and temporary files the manifest does not name:
    /// leftovers of an interrupted snapshot, or files a finished one replaced.
    func removeUnlistedFiles() throws(StorageError) {
        let current = manifest.withLock { $0 }
        var keep: Set<String> = ["LOCK", "MANIFEST"]
        if let snapshot = current.snapshot { keep.insert(DataDirectory.fileName("snapshot", snapshot, "snap")) }
        for segment in current.segments { keep.insert(DataDirectory.fileName("segment", segment, "aof")) }
        for name in try directory.fileSystem.contents(of: directory.path)
        where !keep.contains(name) && (name.hasPrefix("segment-") || name.hasPrefix("snapshot-") || name.hasSuffix(".tmp")) {
            try directory.fileSystem.remove(directory.path + "/" + name)
        }
    }
}
