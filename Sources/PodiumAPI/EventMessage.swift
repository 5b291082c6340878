/// One message of a board's event stream (Schemas/events.schema.json): a WebSocket text
/// message, or the data of one Server-Sent Event. One shape for every type; which fields
/// are set depends on ``type``:
///
/// - `score_changed`: member, score, rank, previous_score and previous_rank (nil when new)
/// - `member_removed`: member, previous_score, previous_rank, reason (removed|evicted)
/// - `board_reset`: season, the past season (`board@season`) the live board became; it is empty now
/// - `board_dropped`: nothing more; the stream's last message
/// - `overtaken`: member (a watched one), by (who passed it), rank, previous_rank
/// - `lagged`: from...to, the seqs not delivered; no seq
public struct EventMessage: Decodable, Equatable, Sendable {
    /// The board's gapless sequence number of the change (nil for `lagged`).
    public var seq: UInt64?
    public var board: String
    public var type: EventType
    public var member: String?
    public var score: Double?
    public var previousScore: Double?
    public var rank: Int?
    public var previousRank: Int?
    public var reason: String?
    public var by: String?
    public var season: String?
    /// Commit time, RFC 3339 UTC to the millisecond (nil for `lagged`).
    public var at: String?
    public var from: UInt64?
    public var to: UInt64?

    enum CodingKeys: String, CodingKey {
        case seq, board, type, member, score, rank, reason, by, season, at, from, to
        case previousScore = "previous_score"
        case previousRank = "previous_rank"
    }
}

/// An event message's `type`. A struct rather than an enum so that a type a newer
/// server adds is still read (and can be shown) by an older client.
public struct EventType: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static let scoreChanged = EventType(rawValue: "score_changed")
    public static let memberRemoved = EventType(rawValue: "member_removed")
    public static let boardReset = EventType(rawValue: "board_reset")
    public static let boardDropped = EventType(rawValue: "board_dropped")
    public static let overtaken = EventType(rawValue: "overtaken")
    public static let lagged = EventType(rawValue: "lagged")
}
