/// The bodies of the read routes. The server writes them with its own JSON writer (the
/// hot paths), so they are only `Decodable` here.

/// One member's standing: 1-based `rank`, competition `shared_rank` ("1224") and the
/// share of the board it beats, `percentile` (0-100).
public struct EntryBody: Decodable, Equatable, Sendable {
    public var member: String
    public var score: Double
    public var rank: Int
    public var sharedRank: Int
    public var percentile: Double
    /// The member's metadata (a JSON object), when it has some; absent otherwise.
    public var metadata: JSONValue?
    /// The same as the server stored it, which it writes as it is.
    package var metadataJSON: [UInt8]? = nil

    enum CodingKeys: String, CodingKey {
        case member, score, rank, percentile, metadata
        case sharedRank = "shared_rank"
    }

    public init(member: String, score: Double, rank: Int, sharedRank: Int, percentile: Double, metadata: JSONValue? = nil) {
        self.member = member
        self.score = score
        self.rank = rank
        self.sharedRank = sharedRank
        self.percentile = percentile
        self.metadata = metadata
    }
}

/// A page of entries, best first, and how many the whole query holds.
public struct PageBody: Decodable, Equatable, Sendable {
    public var entries: [EntryBody]
    public var total: Int

    public init(entries: [EntryBody], total: Int) {
        self.entries = entries
        self.total = total
    }
}

/// `GET .../count`.
public struct CountBody: Decodable, Equatable, Sendable {
    public var count: Int

    public init(count: Int) { self.count = count }
}

/// `POST .../members:lookup`: the members of a friends list.
public struct LookupBody: Codable, Equatable, Sendable {
    public var members: [String]

    public init(members: [String]) { self.members = members }
}

/// A friends board: the members found, best first, and the requested ids not on the board.
public struct LookupResponseBody: Decodable, Equatable, Sendable {
    public var entries: [EntryBody]
    public var missing: [String]

    public init(entries: [EntryBody], missing: [String]) {
        self.entries = entries
        self.missing = missing
    }
}
