import Glibc

/// Backups: one file, in the snapshot format, that holds the whole state at one point in
/// time on its own, taken while writes go on.
extension DurableStore {
    /// A finished backup, open for reading and already unlinked: it goes away when the
    /// last reader lets go, whatever happens to the data directory meanwhile.
    public final class BackupFile: Sendable {
        private let file: any StorageFile
        public let size: Int

        init(file: any StorageFile, size: Int) {
            self.file = file
            self.size = size
        }

        /// Up to `count` bytes from `offset` (fewer only at the end). O(count).
        public func read(from offset: Int, count: Int) throws(StorageError) -> [UInt8] {
            try file.read(from: offset, count: min(count, size - offset))
        }
    }

    /// Writes a backup: `read` writes every board and the credentials to the writer, chunk
    /// by chunk between writes, as for a snapshot; then the log records appended while it
    /// read are added as `change` frames, which make the file exact as of their end.
    /// Every change appended before the call is in it.
    ///
    /// Runs as the one snapshot of the moment (so no compaction removes the segment it
    /// reads back); throws ``SnapshotInProgress`` while another runs. O(state + log
    /// written meanwhile); writes wait for one chunk at most.
    public func backup(_ read: (SnapshotWriter) async throws -> Void) async throws -> BackupFile {
        try await exclusively { () async throws -> BackupFile in
            let path = directory.path + "/backup-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
            let fileSystem = directory.fileSystem
            // Encrypted under the server's writing key, as its snapshots are.
            let writer = try SnapshotWriter(target: path, fileSystem: fileSystem, keyring: keyring)
            do {
                let start = log.activeSegment, sealing = log.activeSealing
                try await read(writer)
                let end = log.activeSegment
                // Only a snapshot rolls the log, and none runs beside this one.
                guard end.number == start.number else {
                    throw StorageError.inconsistent(file: directory.path, offset: 0, reason: "the log rolled during a backup")
                }
                let changes = try fileSystem.open(directory.segmentPath(start.number), flags: O_RDONLY)
                    .read(from: start.bytes, count: end.bytes - start.bytes)
                try writer.writeChanges(changes, file: directory.segmentPath(start.number), offset: start.bytes, sealing: sealing)
                _ = try writer.finish(directory: directory.path)
            } catch {
                writer.abandon()
                throw error
            }
            let file = try fileSystem.open(path, flags: O_RDONLY)
            try fileSystem.remove(path)
            return BackupFile(file: file, size: try file.size())
        }
    }
}

/// Backup files offline: what `podium backup` verifies and `podium restore` turns into a
/// data directory.
public enum Backup {
    /// Backups are files an operator names: always on the real file system.
    private static let fileSystem = PosixFileSystem()

    /// What a backup holds.
    public struct Summary: Sendable, Equatable {
        public var boards: Int
        public var entries: Int
        public var keys: Int
        public var sessions: Int
        /// Set when the backup is encrypted under a key that was not given: only its frames'
        /// checksums were verified, and the counts are 0.
        public var unreadWithoutKey: KeyID?
    }

    /// Loads the backup at `path` in memory and counts what it holds: every frame's CRC,
    /// the end frame and every record must check (an encrypted backup needs its key in
    /// `keyring`). Throws ``StorageError`` naming the offset of the first damage. O(backup).
    /// An encrypted backup whose key `keyring` lacks has only its frames checked (CRCs, whole
    /// frames, every one sealed): ``Summary/unreadWithoutKey`` says so.
    public static func verify(path: String, keyring: any Keyring = PlainKeyring()) throws -> Summary {
        let bytes = try fileSystem.open(path, flags: O_RDONLY).readAll()
        if let keyID = FrameScanner.keyID(of: bytes), keyring.cipher(keyID: keyID, fileID: []) == nil {
            try checkFrames(bytes, file: path)
            return Summary(boards: 0, entries: 0, keys: 0, sessions: 0, unreadWithoutKey: keyID)
        }
        var state = StoredState()
        _ = try SnapshotReader.load(bytes, file: path, keyring: keyring, into: &state)
        return Summary(
            boards: state.boards.count, entries: state.boards.values.reduce(0) { $0 + $1.count }, keys: state.keys.count,
            sessions: state.sessions.count)
    }

    /// Verifies the backup at `partial` (``verify(path:)``) and only then renames it to
    /// `path`, durably (the directory fsynced), replacing what was there. A backup that
    /// does not verify is left where it is and nothing is replaced.
    public static func keep(partial: String, as path: String, keyring: any Keyring = PlainKeyring()) throws -> Summary {
        let summary = try verify(path: partial, keyring: keyring)
        try fileSystem.rename(partial, to: path)
        try fileSystem.syncDirectory(PosixFileSystem.directory(of: path))
        return summary
    }

    /// Makes a new data directory at `directory` from the backup at `path`, after
    /// verifying it: the backup as its snapshot (as it is: an encrypted one stays under its
    /// key), an empty log after it under `keyring`'s writing key. Refuses a directory that
    /// exists and is not empty. A podiumd then starts on it.
    public static func restore(path: String, into directory: String, keyring: any Keyring = PlainKeyring()) throws -> Summary {
        let summary = try verify(path: path, keyring: keyring)
        if let keyID = summary.unreadWithoutKey { throw StorageError.keyUnavailable(file: path, keyID: keyID) }
        if fileSystem.exists(directory), try !fileSystem.contents(of: directory).isEmpty {
            throw StorageError.inconsistent(file: directory, offset: 0, reason: "not empty: restore writes a new data directory")
        }
        let dataDirectory = try DataDirectory(path: directory)
        defer { dataDirectory.releaseLock() }
        try dataDirectory.writeAtomically(try fileSystem.open(path, flags: O_RDONLY).readAll(), to: dataDirectory.snapshotPath(1))
        _ = try DurableStore.createSegment(1, in: dataDirectory, keyring: keyring)
        try dataDirectory.writeAtomically(Manifest(snapshot: 1, segments: [1]).encoded, to: dataDirectory.manifestPath)
        return summary
    }

    /// Checks an encrypted file's frames without its key: each whole, its CRC right, sealed.
    private static func checkFrames(_ bytes: [UInt8], file: String) throws(StorageError) {
        let outcome = try bytes.withUnsafeBytes { raw in
            Result { () throws(StorageError) -> FrameScanner.Outcome in
                try FileHeader.check(raw, magic: FileHeader.snapshotMagic, file: file)
                return try FrameScanner.scan(raw, from: FrameScanner.prologueLength(bytes), file: file) { (kind, _, offset) throws(StorageError) in
                    guard kind == FrameKind.sealed else { throw .corrupt(file: file, offset: offset, reason: "a plain frame in an encrypted file") }
                }
            }
        }.get()
        guard outcome.tornBytes == 0, outcome.frames > 0 else {
            throw .corrupt(file: file, offset: outcome.validLength, reason: "the backup ends inside a frame")
        }
    }

    /// Writes the encrypted backup at `path` plain to `target` (``keep(partial:as:keyring:)``
    /// then verifies it): every frame opened with its key from `keyring`. O(backup).
    public static func decrypt(path: String, keyring: any Keyring, to target: String) throws {
        let bytes = try fileSystem.open(path, flags: O_RDONLY).readAll()
        var plain = FileHeader.bytes(magic: FileHeader.snapshotMagic)
        _ = try FrameScanner.scanFile(bytes, magic: FileHeader.snapshotMagic, file: path, keyring: keyring) {
            (kind, payload, _) throws(StorageError) in
            RecordFrame.append(kind: kind, payload: Array(payload), to: &plain)
        }
        let file = try fileSystem.open(target, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        try file.write(plain)
        try file.sync()
    }
}
