import PodiumEngine
import PodiumStorage

/// A board as listed: its name, rules and size.
public struct BoardSummary: Sendable, Hashable {
    public var name: String
    public var config: BoardConfig
    public var size: Int
    /// The seq of its last change.
    public var seq: UInt64
    /// When its schedule ends the live season next; `nil` without a schedule.
    public var nextReset: Int64? = nil
    /// When its live season began (`nil` for a board from before seasons, or a past season).
    public var seasonStart: Int64? = nil

    public init(name: String, config: BoardConfig, size: Int, seq: UInt64, nextReset: Int64? = nil, seasonStart: Int64? = nil) {
        self.name = name
        self.config = config
        self.size = size
        self.seq = seq
        self.nextReset = nextReset
        self.seasonStart = seasonStart
    }
}

/// A past season of a board, as listed: `board@id` reads it.
public struct SeasonSummary: Sendable, Hashable {
    public var id: String
    /// When it began (`nil` for a board created before seasons) and ended, ms since the
    /// Unix epoch.
    public var from: Int64?
    public var to: Int64
    public var size: Int

    public init(id: String, from: Int64?, to: Int64, size: Int) {
        self.id = id
        self.from = from
        self.to = to
        self.size = size
    }
}

/// One score to submit: the member, the value, the policy when not the board's, and
/// metadata when it replaces the member's.
public struct ScoreSubmission: Sendable, Hashable {
    public var member: String
    public var score: Double
    public var policy: UpdatePolicy?
    /// Replaces the member's metadata (a JSON object as compact text); `nil` keeps it.
    public var metadata: [UInt8]?

    public init(member: String, score: Double, policy: UpdatePolicy? = nil, metadata: [UInt8]? = nil) {
        self.member = member
        self.score = score
        self.policy = policy
        self.metadata = metadata
    }
}

/// What a submission did: the member's entry after it (nil when a full `max_size` board
/// kept the member out), its standing before, and whether anything changed.
public struct SubmitResult: Sendable, Hashable {
    public var member: String
    public var entry: Entry?
    public var previousScore: Double?
    public var previousRank: Int?
    public var changed: Bool
    /// The member dropped to keep a `max_size` board at its size.
    public var evicted: Removal?

    public init(member: String, entry: Entry?, previousScore: Double?, previousRank: Int?, changed: Bool, evicted: Removal?) {
        self.member = member
        self.entry = entry
        self.previousScore = previousScore
        self.previousRank = previousRank
        self.changed = changed
        self.evicted = evicted
    }
}

/// What `GET /v1/admin/stats` reports.
public struct ServiceStatistics: Sendable, Hashable {
    public var boards: Int
    public var members: Int
    public var keys: Int
    public var sessions: Int
    /// `--max-memory`, and whether the last sample reached it.
    public var memoryLimitBytes: Int?
    public var memoryLimitReached: Bool
    public var fsyncPolicy: FsyncPolicy
    /// The log's counters since start.
    public var logBytesWritten: UInt64
    public var logSyncs: Int
    public var logSyncNanoseconds: UInt64
    /// The event bus's counters since start.
    public var events: EventStatistics
    /// The key files are written under (`nil`: plain), and how many live files are not
    /// under it yet: a previous key is needed until that is 0 (the next snapshot).
    public var encryptionKeyID: String?
    public var filesUnderOtherKeys: Int
}
