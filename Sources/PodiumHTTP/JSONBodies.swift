import PodiumEngine
import PodiumService

/// Request and response bodies, in the snake_case of SPEC section 4. Optional fields of
/// responses are written as `null`, never left out, so clients see every field.

/// `PUT /v1/boards/{board}`: every field optional, the defaults of a new board.
struct BoardConfigBody: Codable {
    var order: ScoreOrder?
    var update: UpdatePolicy?
    var tieBreak: TieBreak?
    var maxSize: Int?

    enum CodingKeys: String, CodingKey {
        case order, update
        case tieBreak = "tie_break"
        case maxSize = "max_size"
    }

    var config: BoardConfig {
        BoardConfig(order: order ?? .descending, update: update ?? .best, tieBreak: tieBreak ?? .earliest, maxSize: maxSize)
    }
}

struct BoardBody: Codable, Equatable {
    var name: String
    var order: ScoreOrder
    var update: UpdatePolicy
    var tieBreak: TieBreak
    var maxSize: Int?
    var size: Int

    enum CodingKeys: String, CodingKey {
        case name, order, update, size
        case tieBreak = "tie_break"
        case maxSize = "max_size"
    }

    init(_ summary: BoardSummary) {
        name = summary.name
        order = summary.config.order
        update = summary.config.update
        tieBreak = summary.config.tieBreak
        maxSize = summary.config.maxSize
        size = summary.size
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(order, forKey: .order)
        try container.encode(update, forKey: .update)
        try container.encode(tieBreak, forKey: .tieBreak)
        try container.encode(maxSize, forKey: .maxSize)
        try container.encode(size, forKey: .size)
    }
}

struct BoardListBody: Codable, Equatable {
    var boards: [BoardBody]
}

struct EntryBody: Codable, Equatable {
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

struct PageBody: Codable, Equatable {
    var entries: [EntryBody]
    var total: Int

    init(_ page: Page) {
        entries = page.entries.map(EntryBody.init)
        total = page.total
    }

    init(entries: [Entry], total: Int) {
        self.entries = entries.map(EntryBody.init)
        self.total = total
    }
}

struct CountBody: Codable, Equatable {
    var count: Int
}

/// `POST .../scores`, and each entry of a batch.
struct SubmitBody: Codable {
    var member: String
    var score: Double
    var update: UpdatePolicy?

    var submission: ScoreSubmission { ScoreSubmission(member: member, score: score, policy: update) }
}

struct BatchBody: Codable {
    var entries: [SubmitBody]
}

/// What a write returns: the entry (nulls when a full `max_size` board kept the member
/// out) plus its standing before.
struct SubmitResultBody: Codable, Equatable {
    var member: String
    var score: Double?
    var rank: Int?
    var sharedRank: Int?
    var percentile: Double?
    var previousScore: Double?
    var previousRank: Int?
    var changed: Bool
    var evicted: String?

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
        evicted = result.evicted
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(member, forKey: .member)
        try container.encode(score, forKey: .score)
        try container.encode(rank, forKey: .rank)
        try container.encode(sharedRank, forKey: .sharedRank)
        try container.encode(percentile, forKey: .percentile)
        try container.encode(previousScore, forKey: .previousScore)
        try container.encode(previousRank, forKey: .previousRank)
        try container.encode(changed, forKey: .changed)
        try container.encode(evicted, forKey: .evicted)
    }
}

/// One result of a batch: the write's result, or the problem with that entry.
struct BatchResultBody: Codable, Equatable {
    var result: SubmitResultBody?
    var error: Problem.Body?
}

struct BatchResponseBody: Codable, Equatable {
    var results: [BatchResultBody]
}

struct LookupBody: Codable {
    var members: [String]
}

struct LookupResponseBody: Codable, Equatable {
    var entries: [EntryBody?]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
    }
}
