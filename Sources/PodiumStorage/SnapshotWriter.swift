import Glibc
import PodiumEngine

/// Writes one snapshot: boards, each as chunks of entries, then an end frame. The file
/// is written under a temporary name and only `finish()` makes it the snapshot (fsync,
/// rename, directory fsync); an abandoned or crashed write leaves no snapshot behind.
///
/// Chunks come from ``Leaderboard/storedEntries(after:limit:)`` read between writes, so
/// a board is never held for more than a chunk; the log segment that starts with the
/// snapshot replays whatever changed meanwhile.
public final class SnapshotWriter {
    let target: String
    private let fileSystem: any FileSystem
    private let file: any StorageFile
    /// Set when the snapshot is encrypted: every frame after the prologue is sealed.
    private let sealing: FileSealing?
    private var buffer: [UInt8]
    private var boards = 0
    private var entries = 0
    private var keys = 0
    private var sessions = 0
    private var bytesWritten = 0

    /// Writes under `keyring`'s writing key, or plain when it has none.
    init(target: String, fileSystem: any FileSystem, keyring: any Keyring) throws(StorageError) {
        self.target = target
        self.fileSystem = fileSystem
        sealing = try FileSealing.forNewFile(keyring, file: target)
        file = try fileSystem.open(target + ".tmp", flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        buffer = FileSealing.prologue(magic: FileHeader.snapshotMagic, sealing: sealing)
    }

    /// Appends a frame at the end of what is written: sealed if the snapshot is. O(payload).
    private func appendFrame(kind: SnapshotFrame, payload: [UInt8]) {
        FileSealing.appendFrame(kind: kind.rawValue, payload: payload, at: bytesWritten + buffer.count, sealing: sealing, to: &buffer)
    }

    /// Starts a board; its entries follow in ``write(_:)`` calls. `sizeHint`, the board's
    /// size now, lets the loader reserve memory. `sequence`: its last event number;
    /// `seasonStart`: when its live season began, if known.
    public func beginBoard(
        name: String, config: BoardConfig, sizeHint: Int, sequence: UInt64 = 0, seasonStart: Int64? = nil
    ) throws(StorageError) {
        appendFrame(kind: .board, payload: SnapshotFrame.encodeBoard(name: name, config: config, sizeHint: sizeHint))
        if sequence > 0 {
            var writer = ByteWriter()
            writer.writeVarint(sequence)
            appendFrame(kind: .sequence, payload: writer.bytes)
        }
        if let seasonStart {
            var writer = ByteWriter()
            writer.writeVarint(UInt64(bitPattern: seasonStart))
            appendFrame(kind: .began, payload: writer.bytes)
        }
        boards += 1
        try flushIfLarge()
    }

    /// Metadata of members of the current board (or season) written before it.
    public func writeMetadata(_ items: [(member: String, json: [UInt8])]) throws(StorageError) {
        guard !items.isEmpty else { return }
        appendFrame(kind: .metadata, payload: SnapshotFrame.encodeMetadata(items))
        try flushIfLarge()
    }

    /// Entries a season's chunk holds: no lock is held for it (seasons do not change), so
    /// this only bounds the frames' size.
    static let seasonChunk = 4096

    /// Writes a past season of the board just written, whole: seasons do not change.
    public func writeSeason(_ season: StoredState.StoredSeason) throws {
        appendFrame(kind: .season, payload: SnapshotFrame.encodeSeason(id: season.id, from: season.from, to: season.to, sizeHint: season.board.count))
        try writeChunks { cursor in
            let chunk = season.board.storedEntries(after: cursor, limit: Self.seasonChunk)
            return (chunk.entries, season.board.metadata(of: chunk.entries), chunk.next)
        }
    }

    /// A chunk of the current board's entries.
    public func write(_ chunk: [StoredEntry]) throws(StorageError) {
        guard !chunk.isEmpty else { return }
        appendFrame(kind: .entries, payload: SnapshotFrame.encodeEntries(chunk))
        entries += chunk.count
        try flushIfLarge()
    }

    /// Writes a whole board, chunk by chunk: `readChunk` returns the entries after a cursor,
    /// their members' metadata and the next cursor
    /// (``PodiumEngine/Leaderboard/storedEntries(after:limit:)``, read under whatever lock
    /// guards the board, so writes wait for one chunk at most).
    public func writeBoard(
        name: String, config: BoardConfig, sizeHint: Int, sequence: UInt64 = 0, seasonStart: Int64? = nil,
        readChunk: (RankCursor?) throws -> (entries: [StoredEntry], metadata: [(member: String, json: [UInt8])], next: RankCursor?)
    ) throws {
        try beginBoard(name: name, config: config, sizeHint: sizeHint, sequence: sequence, seasonStart: seasonStart)
        try writeChunks(readChunk)
    }

    /// Writes what `readChunk` gives, from no cursor until it gives no next one.
    private func writeChunks(
        _ readChunk: (RankCursor?) throws -> (entries: [StoredEntry], metadata: [(member: String, json: [UInt8])], next: RankCursor?)
    ) throws {
        var cursor: RankCursor?
        repeat {
            let chunk = try readChunk(cursor)
            try write(chunk.entries)
            try writeMetadata(chunk.metadata)
            cursor = chunk.next
        } while cursor != nil
    }

    /// Writes the API keys and player sessions, read in one go: they are few and small.
    public func writeCredentials(keys: some Sequence<StoredKey>, sessions: some Sequence<StoredSession>) throws(StorageError) {
        for key in keys {
            var writer = ByteWriter()
            CredentialCoding.encode(key, into: &writer)
            appendFrame(kind: .key, payload: writer.bytes)
            self.keys += 1
        }
        for session in sessions {
            var writer = ByteWriter()
            CredentialCoding.encode(session, into: &writer)
            appendFrame(kind: .session, payload: writer.bytes)
            self.sessions += 1
            try flushIfLarge()
        }
    }

    /// Adds the log records in `segmentBytes` (whole frames read from `file` at `offset`,
    /// sealed under `sealing` if the segment is) as `change` frames, to be replayed in
    /// order over the rest when loaded.
    func writeChanges(_ segmentBytes: [UInt8], file: String, offset: Int, sealing: FileSealing?) throws(StorageError) {
        var changes: [[UInt8]] = []
        // `withUnsafeBytes` rethrows untyped errors: carry the typed one out in a Result.
        let outcome = try segmentBytes.withUnsafeBytes { raw in
            Result { () throws(StorageError) in
                try FrameScanner.scanFrames(raw, from: 0, base: offset, sealing: sealing, file: file) { (kind, payload, _) throws(StorageError) in
                    changes.append([kind] + Array(payload))
                }
            }
        }.get()
        guard outcome.tornBytes == 0 else {
            throw .corrupt(file: file, offset: offset + outcome.validLength, reason: "a record cut short in a live segment")
        }
        for change in changes {
            appendFrame(kind: .change, payload: change)
            try flushIfLarge()
        }
    }

    /// Ends the snapshot and makes it durable under its final name; returns its size.
    func finish(directory: String) throws(StorageError) -> Int {
        var end = ByteWriter()
        end.writeVarint(UInt64(boards))
        end.writeVarint(UInt64(entries))
        end.writeVarint(UInt64(keys))
        end.writeVarint(UInt64(sessions))
        appendFrame(kind: .end, payload: end.bytes)
        try flush()
        try file.sync()
        try fileSystem.rename(target + ".tmp", to: target)
        try fileSystem.syncDirectory(directory)
        return bytesWritten
    }

    /// Drops the unfinished file.
    func abandon() {
        try? fileSystem.remove(target + ".tmp")
    }

    private func flushIfLarge() throws(StorageError) {
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws(StorageError) {
        try file.write(buffer)
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
