import PodiumEngine

/// The bodies of `/v1/boards` (SPEC section 4), in its snake_case. Optional fields of
/// responses are written as `null` (``NullEncoded``), never left out.

/// `PUT /v1/boards/{board}`: every field optional; nil is the default of a new board
/// (desc, best, earliest, unbounded, no player submits).
public struct BoardConfigBody: Codable, Equatable, Sendable {
    public var order: ScoreOrder?
    public var update: UpdatePolicy?
    public var tieBreak: TieBreak?
    public var maxSize: Int?
    public var playerSubmit: Bool?
    public var minScore: Double?
    public var maxScore: Double?
    public var reset: ResetBody?

    enum CodingKeys: String, CodingKey {
        case order, update, reset
        case tieBreak = "tie_break"
        case maxSize = "max_size"
        case playerSubmit = "player_submit"
        case minScore = "min_score"
        case maxScore = "max_score"
    }

    public init(
        order: ScoreOrder? = nil, update: UpdatePolicy? = nil, tieBreak: TieBreak? = nil, maxSize: Int? = nil, playerSubmit: Bool? = nil,
        minScore: Double? = nil, maxScore: Double? = nil, reset: ResetBody? = nil
    ) {
        self.order = order
        self.update = update
        self.tieBreak = tieBreak
        self.maxSize = maxSize
        self.playerSubmit = playerSubmit
        self.minScore = minScore
        self.maxScore = maxScore
        self.reset = reset
    }
}

/// A board's reset schedule: `{every, at, timezone, keep}`; `at` is local `HH:MM`
/// (default `00:00`), `timezone` an IANA name (default `UTC`), `keep` the past seasons
/// kept (default 10).
public struct ResetBody: Codable, Equatable, Sendable {
    public var every: ResetPeriod
    public var at: String?
    public var timezone: String?
    public var keep: Int?

    public init(every: ResetPeriod, at: String? = nil, timezone: String? = nil, keep: Int? = nil) {
        self.every = every
        self.at = at
        self.timezone = timezone
        self.keep = keep
    }

    /// The schedule, or nil when `at` is not `HH:MM` of a day.
    public var schedule: ResetSchedule? {
        let parts = (at ?? "00:00").split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return ResetSchedule(every: every, minuteOfDay: hour * 60 + minute, timeZone: timezone ?? "UTC", keep: keep ?? 10)
    }

    public init(_ schedule: ResetSchedule) {
        let hour = schedule.minuteOfDay / 60, minute = schedule.minuteOfDay % 60
        self.init(
            every: schedule.every, at: "\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)",
            timezone: schedule.timeZone, keep: schedule.keep)
    }
}

/// A past season of a board: read it as `board@id`. Times are RFC 3339; `from` is null
/// for a board created before seasons.
public struct SeasonBody: Codable, Equatable, Sendable {
    public var id: String
    @NullEncoded public var from: String?
    public var to: String
    public var size: Int

    public init(id: String, from: String?, to: String, size: Int) {
        self.id = id
        self.from = from
        self.to = to
        self.size = size
    }
}

/// `GET /v1/boards/{board}/seasons`: newest first.
public struct SeasonListBody: Codable, Equatable, Sendable {
    public var seasons: [SeasonBody]

    public init(seasons: [SeasonBody]) { self.seasons = seasons }
}

/// A board: its config and how many members it holds.
public struct BoardBody: Codable, Equatable, Sendable {
    public var name: String
    public var order: ScoreOrder
    public var update: UpdatePolicy
    public var tieBreak: TieBreak
    @NullEncoded public var maxSize: Int?
    public var playerSubmit: Bool
    @NullEncoded public var minScore: Double?
    @NullEncoded public var maxScore: Double?
    @NullEncoded public var reset: ResetBody?
    /// When the schedule ends the live season next (RFC 3339); null without a schedule.
    @NullEncoded public var nextReset: String?
    public var size: Int
    /// The seq of the board's last change (its event stream's numbering): stream with
    /// `since=seq` to get every change after this answer was read.
    public var seq: UInt64

    enum CodingKeys: String, CodingKey {
        case name, order, update, size, seq, reset
        case nextReset = "next_reset"
        case minScore = "min_score"
        case maxScore = "max_score"
        case tieBreak = "tie_break"
        case maxSize = "max_size"
        case playerSubmit = "player_submit"
    }

    public init(name: String, order: ScoreOrder, update: UpdatePolicy, tieBreak: TieBreak, maxSize: Int?, playerSubmit: Bool,
        minScore: Double? = nil, maxScore: Double? = nil, reset: ResetBody? = nil, nextReset: String? = nil, size: Int, seq: UInt64
    ) {
        self.reset = reset
        self.nextReset = nextReset
        self.name = name
        self.order = order
        self.update = update
        self.tieBreak = tieBreak
        self.maxSize = maxSize
        self.playerSubmit = playerSubmit
        self.minScore = minScore
        self.maxScore = maxScore
        self.size = size
        self.seq = seq
    }
}

/// `GET /v1/boards`.
public struct BoardListBody: Codable, Equatable, Sendable {
    public var boards: [BoardBody]

    public init(boards: [BoardBody]) { self.boards = boards }
}
