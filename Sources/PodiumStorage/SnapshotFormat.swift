import PodiumEngine

/// The frames of a snapshot file, after its header (Schemas/storage-format.md):
///
/// - `board` (1): name, config, and a size hint (the board's size when the snapshot
///   reached it, for the loader to reserve memory; not a check); its chunks follow;
/// - `entries` (2): a chunk of one board's entries: count, then per entry, in member id
///   byte order within the chunk: bytes shared with the previous id (varint), the
///   remaining id bytes (varint length + bytes), the score (8 bytes), the stamp (varint);
/// - `key` (4) and `session` (5): one API key or player session, as in their log records;
/// - `sequence` (6): the last event sequence number of the board just begun (varint);
///   absent in snapshots written before events existed: 0;
/// - `change` (7): one log record (its kind byte, then its payload) to replay over what the
///   frames before it loaded: a backup (``DurableStore/backup(to:_:)``) carries the
///   changes made while it was read, which makes it exact on its own;
/// - `began` (8): when the live season of the board just begun started (varint of the
///   ms since the Unix epoch); absent for boards created before seasons;
/// - `season` (9): a past season of the board just begun: id, whether `from` is known
///   (one byte), `from` if so, `to`, a size hint; its chunks follow;
/// - `metadata` (10): member metadata of the board or season whose entries come before it:
///   count, then per member its id and its JSON text (strings);
/// - `end` (3): board, entry, key and session counts (the last two absent in snapshots
///   written before keys and sessions existed: 0). A snapshot without it is incomplete.
///
/// A snapshot read while writes go on may hold an entry twice (an older state first):
/// loading keeps the last, and the log segment that follows the snapshot corrects it.
///
/// Front coding the sorted ids of a chunk stores ~3-4 of 14 id bytes at 1M members: 16.1
/// bytes a member in all, where ids written whole would take ~26.
enum SnapshotFrame: UInt8 {
    case board = 1
    case entries = 2
    case end = 3
    case key = 4
    case session = 5
    case sequence = 6
    case change = 7
    case began = 8
    case season = 9
    case metadata = 10

    static func encodeBoard(name: String, config: BoardConfig, sizeHint: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(name)
        BoardConfigCoding.encode(config, into: &writer)
        writer.writeVarint(UInt64(max(0, sizeHint)))
        return writer.bytes
    }

    static func encodeSeason(id: String, from: Int64?, to: Int64, sizeHint: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(id)
        writer.write(UInt8(from == nil ? 0 : 1))
        if let from { writer.writeVarint(UInt64(bitPattern: from)) }
        writer.writeVarint(UInt64(bitPattern: to))
        writer.writeVarint(UInt64(max(0, sizeHint)))
        return writer.bytes
    }

    static func encodeMetadata(_ items: [(member: String, json: [UInt8])]) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeVarint(UInt64(items.count))
        for item in items {
            writer.write(item.member)
            writer.write(String(decoding: item.json, as: UTF8.self))
        }
        return writer.bytes
    }

    /// Sets the metadata a `metadata` frame holds on `board`'s members.
    static func decodeMetadata(_ payload: UnsafeRawBufferPointer, into board: inout Leaderboard.Builder) throws(FormatError) {
        var reader = ByteReader(payload)
        let count = try reader.readVarint()
        guard count <= UInt64(payload.count) else { throw .malformed("\(count) metadata in \(payload.count) bytes") }
        for _ in 0..<count {
            var member = try reader.readString(maxBytes: MemberID.maxByteCount)
            let json = Array(try reader.readString(maxBytes: LogRecord.maxMetadataBytes).utf8)
            member.withUTF8 { board.setMetadata(json, of: $0) }
        }
        guard reader.isAtEnd else { throw .malformed("\(reader.remaining) bytes after a metadata frame") }
    }

    static func encodeEntries(_ entries: [StoredEntry]) -> [UInt8] {
        // Every id's bytes in one buffer, compared in place: an array per id, retained and
        // released at each of the sort's comparisons, made a snapshot of 1M members take
        // ~550 ms against ~440 now (`podium-bench storage --members 1000000`).
        var bytes: [UInt8] = [], ends: [Int] = []
        bytes.reserveCapacity(entries.count * 16)
        ends.reserveCapacity(entries.count)
        for entry in entries {
            var member = entry.member
            member.withUTF8 { bytes.append(contentsOf: $0) }
            ends.append(bytes.count)
        }
        return bytes.withUnsafeBufferPointer { bytes in
            ends.withUnsafeBufferPointer { ends in
                let id = { (index: Int) in UnsafeBufferPointer(rebasing: bytes[Self.range(of: index, ends: ends)]) }
                var order = Array(entries.indices)
                order.sort { Self.precedes(id($0), id($1)) }
                var writer = ByteWriter()
                writer.writeVarint(UInt64(entries.count))
                var previous = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
                for index in order {
                    let current = id(index)
                    let shared = zip(previous, current).prefix { $0 == $1 }.count
                    writer.writeVarint(UInt64(shared))
                    writer.writeVarint(UInt64(current.count - shared))
                    writer.bytes.append(contentsOf: current[shared...])
                    writer.write(entries[index].score)
                    writer.writeVarint(entries[index].stamp)
                    previous = current
                }
                return writer.bytes
            }
        }
    }

    /// Where the `index`th id lies among ids laid end to end, each ending at its offset in
    /// `ends`. O(1).
    @inline(__always)
    private static func range(of index: Int, ends: UnsafeBufferPointer<Int>) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }

    /// Whether `a` sorts before `b` byte by byte (a prefix first). O(min(a.count, b.count)).
    @inline(__always)
    private static func precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in 0..<min(a.count, b.count) where a[index] != b[index] { return a[index] < b[index] }
        return a.count < b.count
    }

    /// Adds a chunk's entries to `board` and returns how many it held. Throws
    /// ``FormatError`` for bytes that do not decode and ``LeaderboardError`` for values no
    /// writer stores.
    static func decodeEntries(_ payload: UnsafeRawBufferPointer, into board: inout Leaderboard.Builder) throws -> Int {
        var reader = ByteReader(payload)
        let count = try reader.readVarint()
        guard count <= UInt64(payload.count) else { throw FormatError.malformed("\(count) entries in \(payload.count) bytes") }
        // One buffer for every id of the chunk: each keeps the shared prefix of the last.
        var id: [UInt8] = []
        id.reserveCapacity(MemberID.maxByteCount)
        for _ in 0..<count {
            let shared = try reader.readVarint(), rest = try reader.readVarint()
            guard shared <= UInt64(id.count), rest <= UInt64(MemberID.maxByteCount) - shared else {
                throw FormatError.malformed("member id of \(shared) + \(rest) bytes")
            }
            id.removeLast(id.count - Int(shared))
            id.append(contentsOf: try reader.readBytes(Int(rest)))
            // ASCII needs no decoding to know it is valid UTF-8.
            guard id.allSatisfy({ $0 < 0x80 }) || String(validating: id, as: UTF8.self) != nil else {
                throw FormatError.malformed("member id is not UTF-8")
            }
            let score = try reader.readDouble(), stamp = try reader.readVarint()
            try id.withUnsafeBufferPointer { try board.append(member: $0, score: score, stamp: stamp) }
        }
        guard reader.isAtEnd else { throw FormatError.malformed("\(reader.remaining) bytes after an entries chunk") }
        return Int(count)
    }
}
