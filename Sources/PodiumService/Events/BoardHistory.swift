import PodiumEngine
import PodiumStorage

/// A board's kept events (gapless, the last one numbered `lastSeq`) as a graceful stop
/// saves them, so that a stream resumed across the restart (`since`) is replayed from
/// them, exactly as before the stop. Stored as one payload of the data directory's
/// `events.hist` (Schemas/storage-format.md).
public struct BoardHistory: Sendable, Hashable {
    public var board: String
    public var lastSeq: UInt64
    public var events: [BoardEvent]

    /// `events` must be gapless and end at `lastSeq` (or be empty).
    init(board: String, lastSeq: UInt64, events: [BoardEvent]) {
        self.board = board
        self.lastSeq = lastSeq
        self.events = events
    }
}

extension BoardHistory {
    /// Which optional fields an event has, one bit each.
    private enum Field {
        static let member: UInt8 = 1 << 0
        static let score: UInt8 = 1 << 1
        static let rank: UInt8 = 1 << 2
        static let previousScore: UInt8 = 1 << 3
        static let previousRank: UInt8 = 1 << 4
        static let reason: UInt8 = 1 << 5
        static let season: UInt8 = 1 << 6
    }

    private static let kinds: [BoardEvent.Kind] = [.scoreChanged, .memberRemoved, .boardReset, .boardDropped]
    private static let reasons: [BoardEvent.RemovalReason] = [.removed, .evicted]

    /// The board, `lastSeq` and the events' count (varints), then each event: its kind and
    /// which optional fields follow (a byte each), `at`, the fields present, and the
    /// members it overtook (a count, then name and rank each). Its seq is implied. O(events).
    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(board)
        writer.writeVarint(lastSeq)
        writer.writeVarint(UInt64(events.count))
        for event in events {
            writer.write(UInt8(Self.kinds.firstIndex(of: event.kind) ?? 0))
            var fields: UInt8 = 0
            if event.member != nil { fields |= Field.member }
            if event.score != nil { fields |= Field.score }
            if event.rank != nil { fields |= Field.rank }
            if event.previousScore != nil { fields |= Field.previousScore }
            if event.previousRank != nil { fields |= Field.previousRank }
            if event.reason != nil { fields |= Field.reason }
            if event.season != nil { fields |= Field.season }
            writer.write(fields)
            writer.writeVarint(UInt64(bitPattern: event.at))
            if let member = event.member { writer.write(member) }
            if let score = event.score { writer.write(score) }
            if let rank = event.rank { writer.writeVarint(UInt64(rank)) }
            if let previousScore = event.previousScore { writer.write(previousScore) }
            if let previousRank = event.previousRank { writer.writeVarint(UInt64(previousRank)) }
            if let reason = event.reason { writer.write(UInt8(Self.reasons.firstIndex(of: reason) ?? 0)) }
            if let season = event.season { writer.write(season) }
            writer.writeVarint(UInt64(event.overtook.count))
            for overtaken in event.overtook {
                writer.write(overtaken.member)
                writer.writeVarint(UInt64(overtaken.rank))
            }
        }
        return writer.bytes
    }

    /// Decodes what ``encoded()`` wrote; throws on anything else (a file may hold any bytes).
    init(decoding bytes: [UInt8]) throws(FormatError) {
        let decoded = bytes.withUnsafeBytes { raw in
            Result { () throws(FormatError) -> BoardHistory in
                var reader = ByteReader(raw)
                return try Self.read(from: &reader)
            }
        }
        self = try decoded.get()
    }

    private static func read(from reader: inout ByteReader) throws(FormatError) -> BoardHistory {
        let board = try reader.readString(maxBytes: LogRecord.maxBoardNameBytes)
        let lastSeq = try reader.readVarint()
        let count = try reader.readVarint()
        // Each event takes at least 4 bytes: a count past that is damage, not a size to allocate.
        guard lastSeq <= LogRecord.maxSequence, count <= lastSeq, count <= UInt64(reader.remaining / 4) else {
            throw .malformed("\(count) events in a history ending at \(lastSeq)")
        }
        var events: [BoardEvent] = []
        events.reserveCapacity(Int(count))
        for seq in (lastSeq - count + 1)..<(lastSeq + 1) {
            guard let kind = kinds.element(at: try reader.readUInt8()) else { throw .malformed("an event of an unknown kind") }
            let fields = try reader.readUInt8()
            var event = BoardEvent(seq: seq, board: board, kind: kind, at: Int64(bitPattern: try reader.readVarint()))
            if fields & Field.member != 0 { event.member = try reader.readString(maxBytes: MemberID.maxByteCount) }
            if fields & Field.score != 0 { event.score = try reader.readDouble() }
            if fields & Field.rank != 0 { event.rank = try readRank(&reader) }
            if fields & Field.previousScore != 0 { event.previousScore = try reader.readDouble() }
            if fields & Field.previousRank != 0 { event.previousRank = try readRank(&reader) }
            if fields & Field.reason != 0 {
                guard let reason = reasons.element(at: try reader.readUInt8()) else { throw .malformed("an unknown removal reason") }
                event.reason = reason
            }
            if fields & Field.season != 0 { event.season = try reader.readString(maxBytes: LogRecord.maxSeasonBytes) }
            let overtaken = try reader.readVarint()
            guard overtaken <= UInt64(reader.remaining / 2) else { throw .malformed("\(overtaken) members overtaken") }
            for _ in 0..<overtaken {
                let member = try reader.readString(maxBytes: MemberID.maxByteCount)
                event.overtook.append(Overtaken(member: member, rank: try readRank(&reader)))
            }
            events.append(event)
        }
        guard reader.isAtEnd else { throw .malformed("bytes after the last event") }
        return BoardHistory(board: board, lastSeq: lastSeq, events: events)
    }

    private static func readRank(_ reader: inout ByteReader) throws(FormatError) -> Int {
        let rank = try reader.readVarint()
        guard rank >= 1, rank <= UInt64(Int.max) else { throw .malformed("rank \(rank)") }
        return Int(rank)
    }
}

extension Array {
    /// The element at `index`, or `nil` past the end.
    fileprivate func element(at index: UInt8) -> Element? {
        Int(index) < count ? self[Int(index)] : nil
    }
}
