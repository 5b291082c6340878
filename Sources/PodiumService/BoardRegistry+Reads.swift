import PodiumEngine

/// Reads: each holds its board's lock for one engine operation. Every read works on a past
/// season too, named `board@season`.
extension BoardRegistry {
    /// Most entries in a page.
    public static let maxPage = 1000
    /// Entries in a page that does not say how many.
    public static let defaultPage = 10

    public func entry(board name: String, member: String) throws(ServiceError) -> Entry {
        try MemberID.validate(member)
        return try withReadableBoard(name) { (board) throws(ServiceError) in
            guard let entry = board.entry(for: member) else { throw .memberNotFound(board: name, member: member) }
            return entry
        }
    }

    public func top(board name: String, offset: Int, limit: Int) throws(ServiceError) -> Page {
        try BoardRules.validatePage(offset: offset, limit: limit)
        return try withReadableBoard(name) { board in board.entries(offset: offset, limit: limit) }
    }

    /// The member and its neighbours, with the board's size as `total`, read under one
    /// hold of the lock.
    public func around(board name: String, member: String, radius: Int) throws(ServiceError) -> Page {
        try BoardRules.validate(radius: radius)
        try MemberID.validate(member)
        return try withReadableBoard(name) { (board) throws(ServiceError) in
            guard let entries = board.around(member: member, radius: radius) else {
                throw .memberNotFound(board: name, member: member)
            }
            return Page(entries: entries, total: board.count)
        }
    }

    public func scores(board name: String, in range: ScoreRange, offset: Int, limit: Int) throws(ServiceError) -> Page {
        try BoardRules.validatePage(offset: offset, limit: limit)
        return try withReadableBoard(name) { (board) throws(ServiceError) in
            do {
                return try board.entries(in: range, offset: offset, limit: limit)
            } catch {
                throw .invalidScore
            }
        }
    }

    public func count(board name: String, in range: ScoreRange) throws(ServiceError) -> Int {
        try withReadableBoard(name) { (board) throws(ServiceError) in
            do {
                return try board.count(in: range)
            } catch {
                throw .invalidScore
            }
        }
    }

    /// The entries of those of `members` on the board, best first, and the ids missing
    /// from it (``Leaderboard/lookup(_:)``).
    public func lookup(board name: String, members: [String]) throws(ServiceError) -> Lookup {
        guard members.count <= Self.maxPage else { throw .invalidRequest("at most \(Self.maxPage) members a lookup") }
        return try withReadableBoard(name) { board in board.lookup(members) }
    }

    /// Runs `body` on the live board `name`, or on the past season `board@season`, under
    /// the board's lock.
    func withReadableBoard<Result>(
        _ name: String, _ body: (inout Leaderboard) throws(ServiceError) -> Result
    ) throws(ServiceError) -> Result {
        guard let season = SeasonName(name) else { return try handle(name).withBoard(body) }
        return try handle(season.board).withState { (state) throws(ServiceError) in
            guard let index = state.seasons.lastIndex(where: { $0.id == season.id }) else {
                throw .seasonNotFound(board: season.board, season: season.id)
            }
            return try body(&state.seasons[index].board)
        }
    }

}
