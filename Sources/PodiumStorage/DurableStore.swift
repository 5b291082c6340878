import Glibc
import PodiumEngine
import PodiumSync
import Synchronization

/// A log segment just created (or reopened), ready for appends: `length` bytes of it are
/// written, its prologue or its records.
struct NewSegment {
    var file: any StorageFile
    var number: UInt64
    var length: Int
    var sealing: FileSealing?
}

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
    /// The keys files are read and written with (``PlainKeyring`` when not encrypted).
    let keyring: any Keyring
    let manifest: Locked<Manifest>
    /// Files the manifest names that are not under the writing key (plain ones, or under a
    /// previous key): 0 once a snapshot has rewritten everything.
    let filesUnderOtherKeys: Atomic<Int>
    /// Bytes of the last snapshot, for the compaction trigger.
    let snapshotBytes: Atomic<Int>
    let snapshotRunning = Atomic<Bool>(false)
    /// What the last graceful stop saved of the events' history, until the service takes it.
    let savedEventHistory: Locked<[[UInt8]]>

    /// Opens (creating) the data directory at `path`, recovers its boards and starts the
    /// log under `policy`. O(snapshot + log).
    ///
    /// Encrypted files are read with their key from `keyring`, and new ones are written
    /// under its writing key. When the last segment is not under that key (encryption
    /// turned on, or a new key), the log goes on in a new segment that is; the next
    /// snapshot rewrites the rest.
    public static func open(
        path: String, policy: FsyncPolicy, keyring: any Keyring = PlainKeyring()
    ) throws -> (store: DurableStore, boards: StoredState, report: RecoveryReport) {
        try open(path: path, policy: policy, keyring: keyring, fileSystem: PosixFileSystem())
    }

    /// ``open(path:policy:keyring:)`` on `fileSystem`.
    package static func open(
        path: String, policy: FsyncPolicy, keyring: any Keyring = PlainKeyring(), fileSystem: any FileSystem
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
            _ = try createSegment(1, in: directory, keyring: keyring)
            try directory.writeAtomically(manifest.encoded, to: directory.manifestPath)
        }

        var boards = StoredState()
        var snapshotBytes = 0
        var otherKeys = 0
        if let snapshot = manifest.snapshot {
            let path = directory.snapshotPath(snapshot)
            let bytes = try fileSystem.open(path, flags: O_RDONLY).readAll()
            snapshotBytes = bytes.count
            report.snapshotEntries = try SnapshotReader.load(bytes, file: path, keyring: keyring, into: &boards)
            report.snapshot = DataDirectory.fileName("snapshot", snapshot, "snap")
            if FrameScanner.keyID(of: bytes) != keyring.writingKeyID { otherKeys += 1 }
        }
        var last: (number: UInt64, length: Int, sealing: FileSealing?) = (0, FileHeader.size, nil)
        // A crash between a snapshot listing its new segment and the log rolling into it
        // leaves the segment before with the tail: it may be torn if only empty ones follow.
        let lastWritten = try lastWrittenSegment(of: manifest, in: directory)
        for segment in manifest.segments {
            let (length, sealing) = try replay(
                segment: segment, mayBeTorn: segment >= lastWritten, directory: directory, keyring: keyring, into: &boards,
                report: &report)
            last = (segment, length, sealing)
            if sealing?.keyID != keyring.writingKeyID { otherKeys += 1 }
        }
        let eventHistory = takeEventHistory(in: directory, keyring: keyring, logEnd: (last.number, last.length), report: &report)
        var current = manifest
        let active: NewSegment
        if last.sealing?.keyID == keyring.writingKeyID {
            // Not O_APPEND: the log writes at its own offset (pwrite), below preallocated blocks.
            let file = try fileSystem.open(directory.segmentPath(last.number), flags: O_WRONLY)
            active = NewSegment(file: file, number: last.number, length: last.length, sealing: last.sealing)
        } else {
            // Records go on under the writing key, in a segment of their own. A file of that
            // number the manifest does not list is a leftover (a snapshot cut before it listed it).
            try fileSystem.remove(directory.segmentPath(last.number + 1))
            active = try createSegment(last.number + 1, in: directory, keyring: keyring)
            current.segments.append(active.number)
            try directory.writeAtomically(current.encoded, to: directory.manifestPath)
        }
        let log = AppendOnlyLog(
            file: active.file, segment: active.number, length: active.length, sealing: active.sealing, policy: policy,
            preallocation: fileSystem.preallocationStep)
        let store = DurableStore(
            directory: directory, log: log, keyring: keyring, manifest: current, snapshotBytes: snapshotBytes,
            filesUnderOtherKeys: otherKeys, savedEventHistory: eventHistory)
        try store.removeUnlistedFiles()
        return (store, boards, report)
    }

    private init(
        directory: DataDirectory, log: AppendOnlyLog, keyring: any Keyring, manifest: Manifest, snapshotBytes: Int,
        filesUnderOtherKeys: Int, savedEventHistory: [[UInt8]]
    ) {
        self.directory = directory
        self.log = log
        self.keyring = keyring
        self.manifest = Locked(manifest)
        self.snapshotBytes = Atomic(snapshotBytes)
        self.filesUnderOtherKeys = Atomic(filesUnderOtherKeys)
        self.savedEventHistory = Locked(savedEventHistory)
    }

    /// Whether the data directory is encrypted, and whether files under another key (or
    /// plain) remain: a previous key is needed until that count is 0.
    public var encryption: (keyID: KeyID?, filesUnderOtherKeys: Int) {
        (keyring.writingKeyID, filesUnderOtherKeys.load(ordering: .relaxed))
    }

    /// Flushes and fsyncs the log, then releases the directory lock (also when the log
    /// has failed: the directory may be opened again, and recovers what is on disk).
    public func close() throws {
        try close(savingEventHistory: [])
    }

    /// The last listed segment holding a record (zeros aside), or the first one: the only
    /// one a crash may have left torn. Reads the segments from the end until one has data.
    static func lastWrittenSegment(of manifest: Manifest, in directory: DataDirectory) throws(StorageError) -> UInt64 {
        for segment in manifest.segments.reversed() {
            let bytes = try directory.fileSystem.open(directory.segmentPath(segment), flags: O_RDONLY).readAll()
            if !bytes.dropFirst(FrameScanner.prologueLength(bytes)).allSatisfy({ $0 == 0 }) { return segment }
        }
        return manifest.segments.first ?? 0
    }

    /// Replays one segment into `boards`; returns its valid length and its sealing. Only
    /// the segment written last (`mayBeTorn`) may end inside a record.
    private static func replay(
        segment: UInt64, mayBeTorn: Bool, directory: DataDirectory, keyring: any Keyring, into boards: inout StoredState,
        report: inout RecoveryReport
    ) throws -> (length: Int, sealing: FileSealing?) {
        let path = directory.segmentPath(segment)
        let file = try directory.fileSystem.open(path, flags: O_RDWR)
        let bytes = try file.readAll()
        let (outcome, sealing) = try FrameScanner.scanFile(bytes, magic: FileHeader.segmentMagic, file: path, keyring: keyring) {
            (kind, payload, offset) throws(StorageError) in
            try FrameScanner.visitRecords(kind: kind, payload: payload, offset: offset, file: path) { (record, offset) throws(StorageError) in
                do {
                    if try boards.apply(record) == .skippedMissingBoard { report.skippedRecords += 1 }
                    report.records += 1
                } catch {
                    throw .inconsistent(file: path, offset: offset, reason: "\(error)")
                }
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
        return (outcome.validLength, sealing)
    }

    /// Creates segment `number` with its prologue (header, and `encryption` frame under
    /// `keyring`'s writing key if it has one), durable, and returns it open for appends.
    static func createSegment(_ number: UInt64, in directory: DataDirectory, keyring: any Keyring) throws(StorageError) -> NewSegment {
        let path = directory.segmentPath(number)
        let sealing = try FileSealing.forNewFile(keyring, file: path)
        let prologue = FileSealing.prologue(magic: FileHeader.segmentMagic, sealing: sealing)
        let file = try directory.fileSystem.open(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        try file.write(prologue)
        try file.sync()
        try directory.fileSystem.syncDirectory(directory.path)
        return NewSegment(file: file, number: number, length: prologue.count, sealing: sealing)
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
