import PodiumEngine

/// One state change in the append-only file. Effects, not requests: a score is logged as
/// the score and tie stamp it resulted in, so replay is exact and never re-decides.
///
/// Kinds are one byte. 1-15 belong to boards, 16-31 to keys and sessions, 32-63 to the
/// event stream; a kind this version does not know refuses to load (the file was written
/// by a newer Podium). Layouts: Schemas/storage-format.md.
public enum LogRecord: Sendable, Hashable {
    case boardCreated(board: String, config: BoardConfig)
    case boardDropped(board: String)
    case scoreSet(board: String, entry: StoredEntry)
    case memberRemoved(board: String, member: String)
    /// The live board's season began at `at` (ms since the Unix epoch): logged with its
    /// creation, so a schedule knows whether a boundary has passed since.
    case seasonBegan(board: String, at: Int64)
    /// The live board was archived as season `board@season` at `at` and started empty
    /// (``StoredState/apply(_:)`` says exactly what that does).
    case boardReset(board: String, season: String, at: Int64)
    /// A member's metadata replaced: a JSON object as text, at most ``maxMetadataBytes``.
    /// A member's removal (or eviction) drops its metadata with it.
    case metadataSet(board: String, member: String, json: [UInt8])
    case keyCreated(StoredKey)
    case keyRevoked(name: String)
    /// A new session, or one whose data was replaced: the whole session.
    case sessionStored(StoredSession)
    /// A refresh: the new expiry alone, so a refresh does not rewrite the data.
    case sessionExtended(id: String, expiresAt: Int64)
    /// Logged out, revoked or expired.
    case sessionEnded(id: String)
    /// The last event sequence number a board has handed out, logged after the changes of
    /// one write (each change is one event), so the numbering continues after a restart.
    case boardSequence(board: String, seq: UInt64)

    enum Kind: UInt8 {
        case boardCreated = 1
        case boardDropped = 2
        case scoreSet = 3
        case memberRemoved = 4
        case seasonBegan = 5
        case boardReset = 6
        case metadataSet = 7
        case keyCreated = 16
        case keyRevoked = 17
        case sessionStored = 18
        case sessionExtended = 19
        case sessionEnded = 20
        case boardSequence = 32
    }

    /// Longest board name: SPEC section 3.
    public static let maxBoardNameBytes = 64
    /// Longest season id: `2026-12-01` and the like, with a `.N` suffix when a board is
    /// reset more than once in a period.
    public static let maxSeasonBytes = 32
    /// Longest member metadata: SPEC section 3.
    public static let maxMetadataBytes = 1024
    /// The largest event sequence number a file may hold: far past what a board reaches
    /// (a million changes a second for 146,000 years), and room to count on from it.
    public static let maxSequence: UInt64 = 1 << 62

    var kind: Kind {
        switch self {
        case .boardCreated: .boardCreated
        case .boardDropped: .boardDropped
        case .scoreSet: .scoreSet
        case .memberRemoved: .memberRemoved
        case .seasonBegan: .seasonBegan
        case .boardReset: .boardReset
        case .metadataSet: .metadataSet
        case .keyCreated: .keyCreated
        case .keyRevoked: .keyRevoked
        case .sessionStored: .sessionStored
        case .sessionExtended: .sessionExtended
        case .sessionEnded: .sessionEnded
        case .boardSequence: .boardSequence
        }
    }

    func encodePayload(into writer: inout ByteWriter) {
        switch self {
        case let .boardCreated(board, config):
            writer.write(board)
            BoardConfigCoding.encode(config, into: &writer)
        case let .boardDropped(board):
            writer.write(board)
        case let .scoreSet(board, entry):
            writer.write(board)
            writer.write(entry.member)
            writer.write(entry.score)
            writer.writeVarint(entry.stamp)
        case let .memberRemoved(board, member):
            writer.write(board)
            writer.write(member)
        case let .seasonBegan(board, at):
            writer.write(board)
            writer.writeVarint(UInt64(bitPattern: at))
        case let .boardReset(board, season, at):
            writer.write(board)
            writer.write(season)
            writer.writeVarint(UInt64(bitPattern: at))
        case let .metadataSet(board, member, json):
            writer.write(board)
            writer.write(member)
            writer.write(String(decoding: json, as: UTF8.self))
        case let .keyCreated(key):
            CredentialCoding.encode(key, into: &writer)
        case let .keyRevoked(name), let .sessionEnded(name):
            writer.write(name)
        case let .sessionStored(session):
            CredentialCoding.encode(session, into: &writer)
        case let .sessionExtended(id, expiresAt):
            writer.write(id)
            writer.writeVarint(UInt64(bitPattern: expiresAt))
        case let .boardSequence(board, seq):
            writer.write(board)
            writer.writeVarint(seq)
        }
    }

    static func decode(kind rawKind: UInt8, payload: UnsafeRawBufferPointer) throws(FormatError) -> LogRecord {
        guard let kind = Kind(rawValue: rawKind) else {
            throw .malformed("unknown record kind \(rawKind) (written by a newer Podium?)")
        }
        var reader = ByteReader(payload)
        let record: LogRecord
        switch kind {
        case .boardCreated:
            let board = try reader.readString(maxBytes: maxBoardNameBytes)
            record = .boardCreated(board: board, config: try BoardConfigCoding.decode(from: &reader))
        case .boardDropped:
            record = .boardDropped(board: try reader.readString(maxBytes: maxBoardNameBytes))
        case .scoreSet:
            let board = try reader.readString(maxBytes: maxBoardNameBytes)
            let member = try reader.readString(maxBytes: MemberID.maxByteCount)
            let score = try reader.readDouble()
            let stamp = try reader.readVarint()
            record = .scoreSet(board: board, entry: StoredEntry(member: member, score: score, stamp: stamp))
        case .memberRemoved:
            let board = try reader.readString(maxBytes: maxBoardNameBytes)
            record = .memberRemoved(board: board, member: try reader.readString(maxBytes: MemberID.maxByteCount))
        case .seasonBegan:
            let board = try reader.readString(maxBytes: maxBoardNameBytes)
            record = .seasonBegan(board: board, at: Int64(bitPattern: try reader.readVarint()))
        case .boardReset:
            let board = try reader.readString(maxBytes: maxBoardNameBytes)
            let season = try reader.readString(maxBytes: maxSeasonBytes)
            record = .boardReset(board: board, season: season, at: Int64(bitPattern: try reader.readVarint()))
        case .metadataSet:
            let board = try reader.readString(maxBytes: maxBoardNameBytes)
            let member = try reader.readString(maxBytes: MemberID.maxByteCount)
            record = .metadataSet(board: board, member: member, json: Array(try reader.readString(maxBytes: maxMetadataBytes).utf8))
        case .keyCreated:
            record = .keyCreated(try CredentialCoding.decodeKey(from: &reader))
        case .keyRevoked:
            record = .keyRevoked(name: try reader.readString(maxBytes: CredentialCoding.maxNameBytes))
        case .sessionStored:
            record = .sessionStored(try CredentialCoding.decodeSession(from: &reader))
        case .sessionExtended:
            let id = try reader.readString(maxBytes: CredentialCoding.maxNameBytes)
            record = .sessionExtended(id: id, expiresAt: Int64(bitPattern: try reader.readVarint()))
        case .sessionEnded:
            record = .sessionEnded(id: try reader.readString(maxBytes: CredentialCoding.maxNameBytes))
        case .boardSequence:
            let board = try reader.readString(maxBytes: maxBoardNameBytes)
            let seq = try reader.readVarint()
            guard seq <= maxSequence else { throw .malformed("event sequence \(seq)") }
            record = .boardSequence(board: board, seq: seq)
        }
        guard reader.isAtEnd else { throw .malformed("\(reader.remaining) bytes after a \(kind) record") }
        return record
    }
}

/// A board's config as bytes: order, update policy, tie-break, flags, then `maxSize` as a
/// varint (0: unbounded), then what the flags say follows. Flags: bit 0 lets players
/// submit their own scores; bits 1-3 say a minimum score, a maximum score, a reset
/// schedule follow; the others are reserved and must be 0.
enum BoardConfigCoding {
    /// Flag bits: players submit; a minimum score follows; a maximum score follows. The
    /// bounds are additions of format 1: older configs have neither bit, and decode as before.
    static let playerSubmitFlag: UInt8 = 1, minScoreFlag: UInt8 = 2, maxScoreFlag: UInt8 = 4
    /// A reset schedule follows the bounds: period (0 daily, 1 weekly, 2 monthly), minute
    /// of the day, time zone, keep (varints but the period). An addition of seasons.
    static let resetFlag: UInt8 = 8

    static func encode(_ config: BoardConfig, into writer: inout ByteWriter) {
        writer.write(UInt8(config.order == .descending ? 0 : 1))
        writer.write(UInt8(UpdatePolicy.allCases.firstIndex(of: config.update) ?? 0))
        writer.write(UInt8(config.tieBreak == .earliest ? 0 : 1))
        var flags: UInt8 = config.playerSubmit ? playerSubmitFlag : 0
        if config.minScore != nil { flags |= minScoreFlag }
        if config.maxScore != nil { flags |= maxScoreFlag }
        if config.reset != nil { flags |= resetFlag }
        writer.write(flags)
        writer.writeVarint(UInt64(config.maxSize ?? 0))
        if let minScore = config.minScore { writer.write(minScore) }
        if let maxScore = config.maxScore { writer.write(maxScore) }
        if let reset = config.reset {
            writer.write(UInt8(ResetPeriod.allCases.firstIndex(of: reset.every) ?? 0))
            writer.writeVarint(UInt64(reset.minuteOfDay))
            writer.write(reset.timeZone)
            writer.writeVarint(UInt64(reset.keep))
        }
    }

    static func decode(from reader: inout ByteReader) throws(FormatError) -> BoardConfig {
        let order = try reader.readUInt8(), update = try reader.readUInt8(), tieBreak = try reader.readUInt8()
        let flags = try reader.readUInt8()
        let maxSize = try reader.readVarint()
        guard order <= 1, Int(update) < UpdatePolicy.allCases.count, tieBreak <= 1,
            flags & ~(playerSubmitFlag | minScoreFlag | maxScoreFlag | resetFlag) == 0, maxSize <= UInt64(Int.max)
        else { throw .malformed("board config \(order) \(update) \(tieBreak) \(flags) \(maxSize)") }
        let minScore = flags & minScoreFlag != 0 ? try reader.readDouble() : nil
        let maxScore = flags & maxScoreFlag != 0 ? try reader.readDouble() : nil
        guard minScore?.isFinite ?? true, maxScore?.isFinite ?? true, (minScore ?? -.infinity) <= (maxScore ?? .infinity) else {
            throw .malformed("board config bounds \(minScore.map(String.init(describing:)) ?? "none")...\(maxScore.map(String.init(describing:)) ?? "none")")
        }
        let reset = flags & resetFlag != 0 ? try decodeReset(from: &reader) : nil
        return BoardConfig(
            order: order == 0 ? .descending : .ascending, update: UpdatePolicy.allCases[Int(update)],
            tieBreak: tieBreak == 0 ? .earliest : .member, maxSize: maxSize == 0 ? nil : Int(maxSize),
            playerSubmit: flags & playerSubmitFlag != 0, minScore: minScore, maxScore: maxScore, reset: reset)
    }

    private static func decodeReset(from reader: inout ByteReader) throws(FormatError) -> ResetSchedule {
        let period = try reader.readUInt8(), minute = try reader.readVarint()
        let timeZone = try reader.readString(maxBytes: ResetSchedule.maxTimeZoneBytes)
        let keep = try reader.readVarint()
        guard Int(period) < ResetPeriod.allCases.count, minute < 1440, keep <= UInt64(ResetSchedule.maxKeep) else {
            throw .malformed("reset schedule \(period) \(minute) \(keep)")
        }
        let schedule = ResetSchedule(every: ResetPeriod.allCases[Int(period)], minuteOfDay: Int(minute), timeZone: timeZone, keep: Int(keep))
        guard schedule.isValid else { throw .malformed("reset schedule \(schedule)") }
        return schedule
    }
}
