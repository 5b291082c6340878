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

    enum CodingKeys: String, CodingKey {
        case order, update
        case tieBreak = "tie_break"
        case maxSize = "max_size"
        case playerSubmit = "player_submit"
        case minScore = "min_score"
        case maxScore = "max_score"
    }

    public init(
        order: ScoreOrder? = nil, update: UpdatePolicy? = nil, tieBreak: TieBreak? = nil, maxSize: Int? = nil, playerSubmit: Bool? = nil,
        minScore: Double? = nil, maxScore: Double? = nil
    ) {
        self.order = order
        self.update = update
        self.tieBreak = tieBreak
        self.maxSize = maxSize
        self.playerSubmit = playerSubmit
        self.minScore = minScore
        self.maxScore = maxScore
    }
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
    public var size: Int
    /// The seq of the board's last change (its event stream's numbering): stream with
    /// `since=seq` to get every change after this answer was read.
    public var seq: UInt64

    enum CodingKeys: String, CodingKey {
        case name, order, update, size, seq
        case minScore = "min_score"
        case maxScore = "max_score"
        case tieBreak = "tie_break"
        case maxSize = "max_size"
        case playerSubmit = "player_submit"
    }

    public init(name: String, order: ScoreOrder, update: UpdatePolicy, tieBreak: TieBreak, maxSize: Int?, playerSubmit: Bool,
        minScore: Double? = nil, maxScore: Double? = nil, size: Int, seq: UInt64
    ) {
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
