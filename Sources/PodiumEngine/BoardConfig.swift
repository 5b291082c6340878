/// Which end of the score line ranks first.
public enum ScoreOrder: String, Sendable, Hashable, CaseIterable, Codable {
    /// Higher scores rank higher (rank 1 holds the largest score).
    case descending = "desc"
    /// Lower scores rank higher (rank 1 holds the smallest score), as for race times.
    case ascending = "asc"
}

/// How a submitted score combines with the score a member already has.
public enum UpdatePolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Keep the better of the old and the new score.
    case best
    /// Replace the old score.
    case set
    /// Add the submitted value to the old score (a new member starts from 0).
    case increment = "incr"
}

/// How members with equal scores are ordered.
public enum TieBreak: String, Sendable, Hashable, CaseIterable, Codable {
    /// Who reached the score first ranks higher.
    case earliest
    /// Bytewise UTF-8 order of the member id, smaller first, as Redis sorted sets.
    case member
}

/// How often a board with seasons starts over.
public enum ResetPeriod: String, Sendable, Hashable, CaseIterable, Codable {
    case daily, weekly, monthly
}

/// When a board's season ends: at `minuteOfDay` local time in `timeZone` (an IANA name)
/// every day, every Monday (ISO weeks) or on the first of every month. The live board is
/// then archived as a read-only season and starts empty; the newest `keep` seasons are
/// kept. The engine only carries it: the service keeps the calendar.
public struct ResetSchedule: Sendable, Hashable, Codable {
    public var every: ResetPeriod
    /// Minutes after local midnight, 0-1439.
    public var minuteOfDay: Int
    public var timeZone: String
    /// How many past seasons are kept, at least 1.
    public var keep: Int

    /// Longest time zone name kept (the longest IANA name is ~30 bytes).
    public static let maxTimeZoneBytes = 64
    /// Most past seasons a board keeps.
    public static let maxKeep = 1000

    public init(every: ResetPeriod, minuteOfDay: Int = 0, timeZone: String = "UTC", keep: Int = 10) {
        self.every = every
        self.minuteOfDay = minuteOfDay
        self.timeZone = timeZone
        self.keep = keep
    }

    /// Whether the numbers are in range (the time zone is the service's to check). O(1).
    public var isValid: Bool {
        (0..<1440).contains(minuteOfDay) && (1...Self.maxKeep).contains(keep) && !timeZone.isEmpty
            && timeZone.utf8.count <= Self.maxTimeZoneBytes
    }
}

/// A board's rules, fixed when the board is created.
public struct BoardConfig: Sendable, Hashable, Codable {
    public var order: ScoreOrder
    public var update: UpdatePolicy
    public var tieBreak: TieBreak
    /// Keep only the best `maxSize` members; an insert past it drops the worst. `nil`: unbounded.
    public var maxSize: Int?
    /// Whether players may submit their own scores. The engine does not look at it: it is
    /// the service's rule, kept here so that one value describes a board and its storage.
    public var playerSubmit: Bool
    /// The lowest and highest score a submit may ask for (the value for `best` and `set`,
    /// the new total for `incr`); outside them it is refused. `nil`: no bound.
    public var minScore: Double?
    public var maxScore: Double?
    /// When its seasons end; `nil`: one season, never reset on a schedule.
    public var reset: ResetSchedule?

    public init(
        order: ScoreOrder = .descending,
        update: UpdatePolicy = .best,
        tieBreak: TieBreak = .earliest,
        maxSize: Int? = nil,
        playerSubmit: Bool = false,
        minScore: Double? = nil,
        maxScore: Double? = nil,
        reset: ResetSchedule? = nil
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

    /// Whether `score` is within the bounds. O(1).
    public func allows(_ score: Double) -> Bool {
        score >= (minScore ?? -.infinity) && score <= (maxScore ?? .infinity)
    }

    /// How many past seasons a reset keeps: the schedule's `keep`, or 10 for a board reset
    /// by hand only.
    public var seasonsKept: Int { reset?.keep ?? 10 }

    /// Whether the board has score bounds at all.
    var isBounded: Bool { minScore != nil || maxScore != nil }
}
