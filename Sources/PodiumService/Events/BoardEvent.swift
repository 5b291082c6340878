/// One change of a board as its subscribers see it (Schemas/events.schema.json). Each
/// board numbers its changes with a gapless `seq` in commit order, persisted with the
/// board, so numbering goes on across restarts.
public struct BoardEvent: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case scoreChanged = "score_changed"
        case memberRemoved = "member_removed"
        case boardReset = "board_reset"
        case boardDropped = "board_dropped"

        /// Whether it concerns the whole board, so every subscriber gets it, whatever its filter.
        var isWholeBoard: Bool { self == .boardReset || self == .boardDropped }
    }

    /// Why a member left the board.
    public enum RemovalReason: String, Sendable {
        /// `DELETE .../members/{member}`.
        case removed
        /// Pushed out of a full `max_size` board.
        case evicted
    }

    public var seq: UInt64
    public var board: String
    public var kind: Kind
    /// `nil` for `board_reset` and `board_dropped`.
    public var member: String?
    /// After the change; `nil` once removed.
    public var score: Double?
    public var rank: Int?
    /// Before the change; `nil` for a new member.
    public var previousScore: Double?
    public var previousRank: Int?
    public var reason: RemovalReason?
    /// The past season a `board_reset` archived the board as.
    public var season: String? = nil
    /// Commit time, milliseconds since the Unix epoch.
    public var at: Int64
    /// Watched members this change moved up past (``Overtaken``): only members some
    /// subscriber watches are found, so this is empty on a board nobody watches.
    public var overtook: [Overtaken] = []

    package init(
        seq: UInt64, board: String, kind: Kind, member: String? = nil, score: Double? = nil, rank: Int? = nil, previousScore: Double? = nil,
        previousRank: Int? = nil, reason: RemovalReason? = nil, season: String? = nil, at: Int64, overtook: [Overtaken] = []
    ) {
        self.seq = seq
        self.board = board
        self.kind = kind
        self.member = member
        self.score = score
        self.rank = rank
        self.previousScore = previousScore
        self.previousRank = previousRank
        self.reason = reason
        self.season = season
        self.at = at
        self.overtook = overtook
    }

    /// The best (lowest) rank the change touched, before or after: a `top=N` subscriber
    /// sees it when this is at most N. `nil` for a reset or a drop, which everyone sees.
    var bestRankTouched: Int? {
        switch (rank, previousRank) {
        case let (rank?, previous?): min(rank, previous)
        case let (rank?, nil): rank
        case let (nil, previous?): previous
        case (nil, nil): nil
        }
    }
}

/// A watched member that a change moved past: its rank after it, one lower than before.
public struct Overtaken: Sendable, Hashable {
    public var member: String
    public var rank: Int

    public init(member: String, rank: Int) {
        self.member = member
        self.rank = rank
    }
}

/// One message of a subscriber's stream: an event, an `overtaken` or `lagged` notice, as
/// the JSON sent on the wire (encoded once, shared by every subscriber it goes to).
public struct StreamMessage: Sendable, Hashable {
    /// The seq of the change it reports, for SSE `id:` and resuming; `nil` for `lagged`,
    /// so a client that reconnects resumes after the last event it really received.
    public var seq: UInt64?
    public var json: [UInt8]
    /// The last message of the stream (the board was dropped): close cleanly after it.
    public var isFinal: Bool

    package init(seq: UInt64?, json: [UInt8], isFinal: Bool = false) {
        self.seq = seq
        self.json = json
        self.isFinal = isFinal
    }
}

extension BoardEvent {
    /// The event as the stream sends it (keys sorted; absent values as null).
    package var message: StreamMessage {
        var json = JSONWriter(capacity: 192)
        json.object { json in
            json.field("at", rfc3339(at))
            json.field("board", board)
            if kind == .boardReset { json.field("season", season) }
            if !kind.isWholeBoard {
                json.field("member", member)
                json.field("previous_rank", previousRank)
                json.field("previous_score", previousScore)
                json.field("rank", rank)
                if let reason { json.field("reason", reason.rawValue) }
                json.field("score", score)
            }
            json.key("seq")
            json.number(seq)
            json.field("type", kind.rawValue)
        }
        return StreamMessage(seq: seq, json: json.bytes, isFinal: kind == .boardDropped)
    }

    /// The `overtaken` notice a subscriber watching `overtaken.member` gets.
    func message(for overtaken: Overtaken) -> StreamMessage {
        var json = JSONWriter(capacity: 160)
        json.object { json in
            json.field("at", rfc3339(at))
            json.field("board", board)
            json.field("by", member)
            json.field("member", overtaken.member)
            json.field("previous_rank", overtaken.rank - 1)
            json.field("rank", overtaken.rank)
            json.key("seq")
            json.number(seq)
            json.field("type", "overtaken")
        }
        return StreamMessage(seq: seq, json: json.bytes)
    }

    /// The notice that the changes `missed` were dropped for a subscriber that fell behind
    /// (or that asked to resume from before the history kept).
    static func lagged(board: String, missed: ClosedRange<UInt64>) -> StreamMessage {
        var json = JSONWriter(capacity: 96)
        json.object { json in
            json.field("board", board)
            json.key("from")
            json.number(missed.lowerBound)
            json.key("to")
            json.number(missed.upperBound)
            json.field("type", "lagged")
        }
        return StreamMessage(seq: nil, json: json.bytes)
    }
}
