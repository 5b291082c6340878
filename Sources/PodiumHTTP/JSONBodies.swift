import PodiumEngine
import PodiumService

/// Request and response bodies, in the snake_case of SPEC section 4. Optional fields of
/// responses are written as `null` (``NullEncoded``), never left out.

/// `PUT /v1/boards/{board}`: every field optional, the defaults of a new board.
struct BoardConfigBody: Codable {
    var order: ScoreOrder?
    var update: UpdatePolicy?
    var tieBreak: TieBreak?
    var maxSize: Int?
    var playerSubmit: Bool?

    enum CodingKeys: String, CodingKey {
        case order, update
        case tieBreak = "tie_break"
        case maxSize = "max_size"
        case playerSubmit = "player_submit"
    }

    var config: BoardConfig {
        BoardConfig(
            order: order ?? .descending, update: update ?? .best, tieBreak: tieBreak ?? .earliest, maxSize: maxSize,
            playerSubmit: playerSubmit ?? false)
    }
}

struct BoardBody: Codable, Equatable {
    var name: String
    var order: ScoreOrder
    var update: UpdatePolicy
    var tieBreak: TieBreak
    @NullEncoded var maxSize: Int?
    var playerSubmit: Bool
    var size: Int

    enum CodingKeys: String, CodingKey {
        case name, order, update, size
        case tieBreak = "tie_break"
        case maxSize = "max_size"
        case playerSubmit = "player_submit"
    }

    init(_ summary: BoardSummary) {
        name = summary.name
        order = summary.config.order
        update = summary.config.update
        tieBreak = summary.config.tieBreak
        maxSize = summary.config.maxSize
        playerSubmit = summary.config.playerSubmit
        size = summary.size
    }
}

struct BoardListBody: Codable, Equatable {
    var boards: [BoardBody]
}

struct EntryBody: Decodable, Equatable {
    var member: String
    var score: Double
    var rank: Int
    var sharedRank: Int
    var percentile: Double

    enum CodingKeys: String, CodingKey {
        case member, score, rank, percentile
        case sharedRank = "shared_rank"
    }

    init(_ entry: Entry) {
        member = entry.member
        score = entry.score
        rank = entry.rank
        sharedRank = entry.sharedRank
        percentile = entry.percentile
    }
}

struct PageBody: Decodable, Equatable {
    var entries: [EntryBody]
    var total: Int

    init(_ page: Page) {
        entries = page.entries.map(EntryBody.init)
        total = page.total
    }
}

struct CountBody: Decodable, Equatable {
    var count: Int
}

/// `POST .../scores`, and each entry of a batch.
struct SubmitBody: Codable, Equatable {
    var member: String
    var score: Double
    var update: UpdatePolicy?

    var submission: ScoreSubmission { ScoreSubmission(member: member, score: score, policy: update) }
}

struct BatchBody: Codable, Equatable {
    var entries: [SubmitBody]
}

/// What a write returns: the entry (nulls when a full `max_size` board kept the member
/// out) plus its standing before.
struct SubmitResultBody: Decodable, Equatable {
    var member: String
    @NullEncoded var score: Double?
    @NullEncoded var rank: Int?
    @NullEncoded var sharedRank: Int?
    @NullEncoded var percentile: Double?
    @NullEncoded var previousScore: Double?
    @NullEncoded var previousRank: Int?
    var changed: Bool
    @NullEncoded var evicted: String?

    enum CodingKeys: String, CodingKey {
        case member, score, rank, percentile, changed, evicted
        case sharedRank = "shared_rank"
        case previousScore = "previous_score"
        case previousRank = "previous_rank"
    }

    init(_ result: SubmitResult) {
        member = result.member
        score = result.entry?.score
        rank = result.entry?.rank
        sharedRank = result.entry?.sharedRank
        percentile = result.entry?.percentile
        previousScore = result.previousScore
        previousRank = result.previousRank
        changed = result.changed
        evicted = result.evicted?.member
    }
}

/// One result of a batch: the write's result, or the problem with that entry.
struct BatchResultBody: Decodable, Equatable {
    var result: SubmitResultBody?
    var error: Problem.Body?
}

struct BatchResponseBody: Decodable, Equatable {
    var results: [BatchResultBody]
}

struct LookupBody: Codable {
    var members: [String]
}

/// A friends board: the members found, best first, and the requested ids not on the board.
struct LookupResponseBody: Decodable, Equatable {
    var entries: [EntryBody]
    var missing: [String]
}

/// An optional that is written as `null` when nil: synthesized `Codable` leaves nil
/// properties out, and clients should see every field. A missing key decodes as nil.
@propertyWrapper
struct NullEncoded<Value: Codable & Equatable>: Codable, Equatable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension KeyedDecodingContainer {
    func decode<Value>(_ type: NullEncoded<Value>.Type, forKey key: Key) throws -> NullEncoded<Value> {
        try decodeIfPresent(type, forKey: key) ?? NullEncoded(wrappedValue: nil)
    }
}
