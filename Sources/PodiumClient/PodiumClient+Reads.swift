import PodiumAPI
import PodiumEngine

/// Reads: a member's entry, pages by rank and by score, neighbours, counts, lookups.
/// Each is O(log N) on the server, plus the page's length.
extension PodiumRequest {
    public static func entry(board: String, member: String) -> PodiumRequest<EntryBody> {
        PodiumRequest<EntryBody>("GET", "/v1/boards/\(board.pathSegment)/members/\(member.pathSegment)")
    }

    public static func top(board: String, offset: Int? = nil, limit: Int? = nil) -> PodiumRequest<PageBody> {
        PodiumRequest<PageBody>("GET", "/v1/boards/\(board.pathSegment)/top", query: [("offset", offset.map(String.init)), ("limit", limit.map(String.init))])
    }

    public static func around(board: String, member: String, radius: Int? = nil) -> PodiumRequest<PageBody> {
        PodiumRequest<PageBody>("GET", "/v1/boards/\(board.pathSegment)/around/\(member.pathSegment)", query: [("radius", radius.map(String.init))])
    }

    public static func scores(board: String, in range: ScoreRange, offset: Int? = nil, limit: Int? = nil) -> PodiumRequest<PageBody> {
        PodiumRequest<PageBody>(
            "GET", "/v1/boards/\(board.pathSegment)/scores",
            query: [
                ("min", range.min.queryValue), ("max", range.max.queryValue), ("offset", offset.map(String.init)),
                ("limit", limit.map(String.init)),
            ])
    }

    public static func count(board: String, in range: ScoreRange) -> PodiumRequest<CountBody> {
        PodiumRequest<CountBody>("GET", "/v1/boards/\(board.pathSegment)/count", query: [("min", range.min.queryValue), ("max", range.max.queryValue)])
    }

    public static func lookup(board: String, members: [String]) -> PodiumRequest<LookupResponseBody> {
        PodiumRequest<LookupResponseBody>("POST", "/v1/boards/\(board.pathSegment)/members:lookup", body: LookupBody(members: members))
    }
}

extension PodiumClient {
    /// `member`'s entry; 404 `member_not_found` when it is not on the board.
    public func entry(board: String, member: String) async throws(PodiumError) -> EntryBody {
        try await send(.entry(board: board, member: member)).value
    }

    /// A page by rank, best first: `limit` entries (server default 10, at most 1000) from
    /// 0-based `offset`.
    public func top(board: String, offset: Int? = nil, limit: Int? = nil) async throws(PodiumError) -> PageBody {
        try await send(.top(board: board, offset: offset, limit: limit)).value
    }

    /// `member` and up to `radius` entries above and below it (server default 5).
    public func around(board: String, member: String, radius: Int? = nil) async throws(PodiumError) -> PageBody {
        try await send(.around(board: board, member: member, radius: radius)).value
    }

    /// A page of the entries whose scores fall in `range`, best first.
    public func scores(board: String, in range: ScoreRange, offset: Int? = nil, limit: Int? = nil) async throws(PodiumError) -> PageBody {
        try await send(.scores(board: board, in: range, offset: offset, limit: limit)).value
    }

    /// How many members have scores in `range`.
    public func count(board: String, in range: ScoreRange = ScoreRange()) async throws(PodiumError) -> Int {
        try await send(.count(board: board, in: range)).value.count
    }

    /// A friends board: those of `members` on the board, best first, and the others.
    public func lookup(board: String, members: [String]) async throws(PodiumError) -> LookupResponseBody {
        try await send(.lookup(board: board, members: members)).value
    }
}
