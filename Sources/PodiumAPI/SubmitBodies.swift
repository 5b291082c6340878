import PodiumEngine

/// The bodies of the write routes. Answers are written by the server's own JSON writer,
/// so they are only `Decodable` here.

/// `POST .../scores`, and each entry of a batch; `update` nil is the board's own rule.
public struct SubmitBody: Codable, Equatable, Sendable {
    public var member: String
    public var score: Double
    public var update: UpdatePolicy?
    /// Replaces the member's metadata: a JSON object of at most 1 KiB; nil keeps it.
    public var metadata: JSONValue?

    public init(member: String, score: Double, update: UpdatePolicy? = nil, metadata: JSONValue? = nil) {
        self.member = member
        self.score = score
        self.update = update
        self.metadata = metadata
    }
}

/// `POST /v1/scores`: one score to up to 16 boards, each under its own rules.
public struct ManyBoardsSubmitBody: Codable, Equatable, Sendable {
    public var member: String
    public var score: Double
    public var boards: [String]
    public var update: UpdatePolicy?
    /// Replaces the member's metadata on every board: a JSON object of at most 1 KiB.
    public var metadata: JSONValue?

    public init(member: String, score: Double, boards: [String], update: UpdatePolicy? = nil, metadata: JSONValue? = nil) {
        self.member = member
        self.score = score
        self.boards = boards
        self.update = update
        self.metadata = metadata
    }
}

/// One board's answer to `POST /v1/scores`: its result, or its error.
public struct BoardResultBody: Decodable, Equatable, Sendable {
    public var board: String
    public var result: SubmitResultBody?
    public var error: ProblemBody?

    public init(board: String, result: SubmitResultBody?, error: ProblemBody?) {
        self.board = board
        self.result = result
        self.error = error
    }
}

/// `POST /v1/scores`: one result per board, in the order asked.
public struct ManyBoardsResponseBody: Decodable, Equatable, Sendable {
    public var results: [BoardResultBody]

    public init(results: [BoardResultBody]) { self.results = results }
}

/// `POST .../scores/batch`: up to 1000 entries, applied in order.
public struct BatchBody: Codable, Equatable, Sendable {
    public var entries: [SubmitBody]

    public init(entries: [SubmitBody]) { self.entries = entries }
}

/// What a write returns: the entry (nulls when a full `max_size` board kept the member
/// out) plus its standing before.
public struct SubmitResultBody: Decodable, Equatable, Sendable {
    public var member: String
    @NullEncoded public var score: Double?
    @NullEncoded public var rank: Int?
    @NullEncoded public var sharedRank: Int?
    @NullEncoded public var percentile: Double?
    @NullEncoded public var previousScore: Double?
    @NullEncoded public var previousRank: Int?
    /// False when `best` kept the old score.
    public var changed: Bool
    /// The member a full `max_size` board dropped to make room.
    @NullEncoded public var evicted: String?
    /// The member's metadata after the write, when it has some; absent otherwise.
    public var metadata: JSONValue?
    /// The same as the server stored it, which it writes as it is.
    package var metadataJSON: [UInt8]? = nil

    enum CodingKeys: String, CodingKey {
        case member, score, rank, percentile, changed, evicted, metadata
        case sharedRank = "shared_rank"
        case previousScore = "previous_score"
        case previousRank = "previous_rank"
    }

    public init(
        member: String, score: Double?, rank: Int?, sharedRank: Int?, percentile: Double?, previousScore: Double?, previousRank: Int?,
        changed: Bool, evicted: String?
    ) {
        self.member = member
        self.score = score
        self.rank = rank
        self.sharedRank = sharedRank
        self.percentile = percentile
        self.previousScore = previousScore
        self.previousRank = previousRank
        self.changed = changed
        self.evicted = evicted
    }
}

/// One result of a batch: the write's result, or the problem with that entry.
public struct BatchResultBody: Decodable, Equatable, Sendable {
    public var result: SubmitResultBody?
    public var error: ProblemBody?

    public init(result: SubmitResultBody?, error: ProblemBody?) {
        self.result = result
        self.error = error
    }
}

/// `POST .../scores/batch`'s answer: one result per entry, in order.
public struct BatchResponseBody: Decodable, Equatable, Sendable {
    public var results: [BatchResultBody]

    public init(results: [BatchResultBody]) { self.results = results }
}
