/// A member's standing on a board.
public struct Entry: Sendable, Hashable {
    public var member: String
    public var score: Double
    /// 1-based position in rank order (1 = best); ties are ordered by the board's tie-break.
    public var rank: Int
    /// Competition rank ("1224"): 1 + members with a strictly better score.
    public var sharedRank: Int
    /// The share of the board this member beats: 100 x members with a strictly worse
    /// score / board size, from 0 to 100, shared by tied members.
    public var percentile: Double
    /// The member's metadata (JSON text, as the service stored it), if it has any.
    public var metadata: [UInt8]?

    public init(member: String, score: Double, rank: Int, sharedRank: Int, percentile: Double, metadata: [UInt8]? = nil) {
        self.member = member
        self.score = score
        self.rank = rank
        self.sharedRank = sharedRank
        self.percentile = percentile
        self.metadata = metadata
    }
}

/// A page of entries in rank order, best first, and how many entries the whole query holds.
public struct Page: Sendable, Hashable {
    public var entries: [Entry]
    public var total: Int

    public init(entries: [Entry], total: Int) {
        self.entries = entries
        self.total = total
    }
}

/// The answer to a friends lookup: the members found, best first, and the ids not on
/// the board, each once, in the order they were asked for.
public struct Lookup: Sendable, Hashable {
    public var entries: [Entry]
    public var missing: [String]

    public init(entries: [Entry], missing: [String]) {
        self.entries = entries
        self.missing = missing
    }
}

/// What a score submission did.
public struct ScoreUpdate: Sendable, Hashable {
    public var member: String
    /// The member's score after the write; `nil` when a full `maxSize` board kept it out.
    public var score: Double?
    /// The member's 1-based rank after the write; `nil` when it is not on the board.
    public var rank: Int?
    /// Score and rank before the write; `nil` for a new member.
    public var previousScore: Double?
    public var previousRank: Int?
    /// Whether the board changed (`false` when `best` kept the old score or nothing moved).
    public var changed: Bool
    /// The member's tie stamp after the write (0 on `member` boards), for persistence.
    public var stamp: UInt64
    /// The member dropped to keep a `maxSize` board at its size, if any, with the score it
    /// had and the rank it was pushed to (`maxSize + 1`).
    public var evicted: Removal?
}

/// A member removed from a board, with the standing it had.
public struct Removal: Sendable, Hashable {
    public var member: String
    public var score: Double
    public var rank: Int

    public init(member: String, score: Double, rank: Int) {
        self.member = member
        self.score = score
        self.rank = rank
    }
}

/// A member's persistent state: what snapshots store and replay restores exactly.
public struct StoredEntry: Sendable, Hashable {
    public var member: String
    public var score: Double
    /// The `earliest` tie stamp, in `1..<UInt64.max`; ignored (and 0) on `member` boards.
    public var stamp: UInt64

    public init(member: String, score: Double, stamp: UInt64) {
        self.member = member
        self.score = score
        self.stamp = stamp
    }
}
