// Shared by the `segment` and `snapshot` fuzz targets and the seed generator: CRC fix-up,
// an in-memory snapshot writer and the checks run on whatever a load accepted.
// Compiled into each of those executables beside its own entry point (ops/fuzz/build.sh).

#if canImport(Glibc)
import Glibc
#endif
@testable import PodiumEngine
@testable import PodiumStorage

/// A file name for errors: the fuzzed bytes are never on disk.
let fuzzFile = "fuzz-input"

/// A stand-in for PodiumEncryption's AES-GCM, so the fuzzers reach the encrypted-file paths
/// (FileSealing, FrameScanner.scanFrames) without linking swift-crypto: a frame "seals" as
/// its plaintext followed by a CRC-32C of the associated data and the plaintext. Not
/// encryption: a check the fuzzer can satisfy (withFixedCRCs does not fix it).
struct FuzzCipher: FrameCipher {
    func seal(_ plaintext: [UInt8], associatedData: [UInt8]) -> [UInt8] {
        var sealed = plaintext
        withUnsafeBytes(of: CRC32C.checksum(associatedData + plaintext).littleEndian) { sealed.append(contentsOf: $0) }
        return sealed
    }

    func open(_ sealed: UnsafeRawBufferPointer, associatedData: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 4 else { return nil }
        let plaintext = Array(sealed.dropLast(4))
        let stored = UInt32(littleEndian: sealed.loadUnaligned(fromByteOffset: sealed.count - 4, as: UInt32.self))
        return stored == CRC32C.checksum(associatedData + plaintext) ? plaintext : nil
    }
}

/// Every key id opens with ``FuzzCipher``; files are written under key f0f0...f0.
struct FuzzKeyring: Keyring {
    var writingKeyID: KeyID? { KeyID(Array(repeating: 0xF0, count: KeyID.size)) }
    func cipher(keyID: KeyID, fileID: [UInt8]) -> (any FrameCipher)? { FuzzCipher() }
}

/// The plain file `bytes` (its header, then frames) as an encrypted one under ``FuzzKeyring``.
func sealed(_ bytes: [UInt8], magic: [UInt8]) -> [UInt8] {
    guard let keyID = FuzzKeyring().writingKeyID else { return bytes }
    let sealing = FileSealing(keyID: keyID, fileID: Array(0..<16), cipher: FuzzCipher())
    var out = FileSealing.prologue(magic: magic, sealing: sealing)
    _ = try? bytes.withUnsafeBytes { raw in
        try FrameScanner.scan(raw, file: fuzzFile) { (kind, payload, _) throws(StorageError) in
            FileSealing.appendFrame(kind: kind, payload: Array(payload), at: out.count, sealing: sealing, to: &out)
        }
    }
    return out
}

/// `bytes` with the CRCs of its frames (after the 12-byte file header) recomputed, for
/// every frame whose declared length fits: random mutations almost never keep a CRC-32C
/// valid, so without this the fuzzer would only ever see "CRC mismatch" and never reach
/// the record decoders. Both the input as given and this version are loaded.
func withFixedCRCs(_ bytes: [UInt8]) -> [UInt8] {
    var out = bytes
    var offset = FileHeader.size
    func store(_ value: UInt32, at position: Int) {
        withUnsafeBytes(of: value.littleEndian) { crc in
            for index in 0..<4 { out[position + index] = crc[index] }
        }
    }
    while offset + RecordFrame.headerSize <= out.count {
        store(out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + 5])) }, at: offset + 5)
        let length = out.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        let end = offset + RecordFrame.headerSize + length
        guard length <= RecordFrame.maxPayload, end + 4 <= out.count else { break }
        store(out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }, at: end)
        offset = end + 4
    }
    return out
}

/// The snapshot ``SnapshotWriter`` writes of `state`, in memory: frames in its order
/// (board, sequence, began, entry chunks with their metadata, past seasons; keys,
/// sessions; end). Boards in name order. `chunk`: entries per chunk.
func snapshotBytes(of state: StoredState, chunk: Int = 4096, changes: [LogRecord] = []) -> [UInt8] {
    var buffer = FileHeader.bytes(magic: FileHeader.snapshotMagic)
    var entries = 0
    func writeChunks(of board: Leaderboard) {
        var cursor: RankCursor?
        repeat {
            let page = board.storedEntries(after: cursor, limit: chunk)
            if !page.entries.isEmpty {
                RecordFrame.append(kind: SnapshotFrame.entries.rawValue, payload: SnapshotFrame.encodeEntries(page.entries), to: &buffer)
                entries += page.entries.count
            }
            let metadata = board.metadata(of: page.entries)
            if !metadata.isEmpty {
                RecordFrame.append(kind: SnapshotFrame.metadata.rawValue, payload: SnapshotFrame.encodeMetadata(metadata), to: &buffer)
            }
            cursor = page.next
        } while cursor != nil
    }
    for name in state.boards.keys.sorted() {
        guard let board = state.boards[name] else { continue }
        RecordFrame.append(
            kind: SnapshotFrame.board.rawValue, payload: SnapshotFrame.encodeBoard(name: name, config: board.config, sizeHint: board.count),
            to: &buffer)
        if let sequence = state.sequences[name], sequence > 0 {
            var writer = ByteWriter()
            writer.writeVarint(sequence)
            RecordFrame.append(kind: SnapshotFrame.sequence.rawValue, payload: writer.bytes, to: &buffer)
        }
        if let start = state.seasonStarts[name] {
            var writer = ByteWriter()
            writer.writeVarint(UInt64(bitPattern: start))
            RecordFrame.append(kind: SnapshotFrame.began.rawValue, payload: writer.bytes, to: &buffer)
        }
        writeChunks(of: board)
        for season in state.seasons[name] ?? [] {
            RecordFrame.append(
                kind: SnapshotFrame.season.rawValue,
                payload: SnapshotFrame.encodeSeason(id: season.id, from: season.from, to: season.to, sizeHint: season.board.count),
                to: &buffer)
            writeChunks(of: season.board)
        }
    }
    for key in state.keys.values.sorted(by: { $0.name < $1.name }) {
        var writer = ByteWriter()
        CredentialCoding.encode(key, into: &writer)
        RecordFrame.append(kind: SnapshotFrame.key.rawValue, payload: writer.bytes, to: &buffer)
    }
    for session in state.sessions.values.sorted(by: { $0.id < $1.id }) {
        var writer = ByteWriter()
        CredentialCoding.encode(session, into: &writer)
        RecordFrame.append(kind: SnapshotFrame.session.rawValue, payload: writer.bytes, to: &buffer)
    }
    // A backup's changes: log records to replay over the rest.
    for change in changes {
        var writer = ByteWriter()
        writer.write(change.kind.rawValue)
        change.encodePayload(into: &writer)
        RecordFrame.append(kind: SnapshotFrame.change.rawValue, payload: writer.bytes, to: &buffer)
    }
    var end = ByteWriter()
    end.writeVarint(UInt64(state.boards.count))
    end.writeVarint(UInt64(entries))
    end.writeVarint(UInt64(state.keys.count))
    end.writeVarint(UInt64(state.sessions.count))
    RecordFrame.append(kind: SnapshotFrame.end.rawValue, payload: end.bytes, to: &buffer)
    return buffer
}

/// Every board's (and season's) structure: skip list, member table, stamps, metadata.
func checkInvariants(_ state: StoredState) {
    for board in state.boards.values { board.checkInvariants() }
    for seasons in state.seasons.values {
        for season in seasons { season.board.checkInvariants() }
    }
}

/// What a board holds, comparably: entries in rank order (scores as bits), metadata.
struct BoardContents: Equatable {
    var config: BoardConfig
    var entries: [String]
    var metadata: [String]

    init(_ board: Leaderboard) {
        config = board.config
        let stored = Array(board.storedEntries)
        entries = stored.map { entry in
            // Member boards keep no stamp; `earliest` boards must keep theirs exactly.
            "\(Array(entry.member.utf8)) \(entry.score.bitPattern) \(board.config.tieBreak == .earliest ? entry.stamp : 0)"
        }
        metadata = board.metadata(of: stored).map { "\(Array($0.member.utf8)) \($0.json)" }
    }
}

/// A state as a comparable value.
struct StateContents: Equatable {
    var boards: [String: BoardContents]
    var sequences: [String: UInt64]
    var keys: [String: StoredKey]
    var sessions: [String: StoredSession]
    var seasons: [String: [String]]
    var seasonBoards: [String: [BoardContents]]
    var seasonStarts: [String: Int64]

    init(_ state: StoredState) {
        boards = state.boards.mapValues(BoardContents.init)
        sequences = state.sequences.filter { $0.value > 0 }
        keys = state.keys
        sessions = state.sessions
        seasons = state.seasons.mapValues { $0.map { "\($0.id) \($0.from.map(String.init) ?? "-") \($0.to)" } }
        seasonBoards = state.seasons.mapValues { $0.map { BoardContents($0.board) } }
        seasonStarts = state.seasonStarts
    }
}

/// What a load accepted can be written as a snapshot (as compaction does) and read back,
/// unchanged: a state the reader refuses to reload would stop the next start.
func checkSnapshotRoundTrip(_ state: StoredState, chunk: Int) {
    let bytes = snapshotBytes(of: state, chunk: chunk)
    var reloaded = StoredState()
    do {
        _ = try SnapshotReader.load(bytes, file: "round-trip.snap", into: &reloaded)
    } catch {
        fail("a snapshot of a loaded state does not load: \(error)")
    }
    let before = StateContents(state), after = StateContents(reloaded)
    check(before == after, "a snapshot of a loaded state reloads differently:\n\(before)\n\(after)")
}

/// A record decoded from a payload encodes to bytes that decode to a record encoding the
/// same way: what the log accepts, a snapshot's `change` frame (and a rewrite) keeps.
func checkRecordRoundTrip(_ record: LogRecord) {
    var writer = ByteWriter()
    record.encodePayload(into: &writer)
    let again: LogRecord
    do {
        again = try writer.bytes.withUnsafeBytes { try LogRecord.decode(kind: record.kind.rawValue, payload: $0) }
    } catch {
        fail("re-encoded \(record) does not decode: \(error)")
    }
    var second = ByteWriter()
    again.encodePayload(into: &second)
    check(second.bytes == writer.bytes, "\(record) re-encodes differently")
}
