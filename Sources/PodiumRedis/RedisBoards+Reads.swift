import PodiumEngine
import PodiumService
import RESPClient

/// Reads: each one script, so a page, its total and every row's standing come from one
/// view of the board, in one round trip.
extension RedisBoards {
    /// Every board, by name: one round trip for the names, one for all their summaries.
    public func listBoards() async throws(ServiceError) -> [BoardSummary] {
        let names = (try await command(["SMEMBERS", keys.boardNames]).elements ?? []).compactMap(\.string).sorted()
        let replies = try await runEach(
            BoardScripts.summary, calls: names.map { ([keys.config($0), keys.sortedSet($0), keys.meta($0)], []) }, boards: names,
            members: names.map { _ in "" })
        // A board dropped meanwhile is left out, as the embedded store does.
        return zip(names, replies).compactMap { name, reply in try? Self.summary(name, reply.get()) }
    }

    /// A live board. Past seasons are embedded only: `board@season` is never found.
    public func board(named name: String) async throws(ServiceError) -> BoardSummary {
        guard BoardName.isValid(name) else { throw .boardNotFound(name) }
        let reply = try await run(BoardScripts.summary, keys: [keys.config(name), keys.sortedSet(name), keys.meta(name)], arguments: [], board: name)
        return try Self.summary(name, reply)
    }

    /// Entries with ranks `offset + 1 ... offset + limit`, best first, and the board's size.
    public func top(board: String, offset: Int, limit: Int) async throws(ServiceError) -> Page {
        try Self.check(offset: offset, limit: limit)
        return try await page(BoardScripts.page, board: board, arguments: [String(offset), String(offset + limit - 1)])
    }

    /// `member` and up to `radius` entries above and below it, with the board's size.
    public func around(board: String, member: String, radius: Int) async throws(ServiceError) -> Page {
        guard (0...BoardRegistry.maxPage / 2).contains(radius) else { throw .invalidRequest("radius must be 0 to \(BoardRegistry.maxPage / 2)") }
        try MemberID.validate(member)
        return try await page(BoardScripts.around, board: board, arguments: [member, String(radius)], member: member)
    }

    /// The entries of a score range from its `offset`-th, in rank order, and how many it holds.
    public func scores(board: String, in range: ScoreRange, offset: Int, limit: Int) async throws(ServiceError) -> Page {
        try Self.check(offset: offset, limit: limit)
        return try await page(BoardScripts.scorePage, board: board, arguments: try Self.bounds(range) + [String(offset), String(limit)])
    }

    /// Members with scores in `range`. O(log n) on the server.
    public func count(board: String, in range: ScoreRange) async throws(ServiceError) -> Int {
        let reply = try await run(BoardScripts.count, keys: keys.reading(board), arguments: try Self.bounds(range), board: board)
        return Int(reply.integer ?? 0)
    }

    /// `member`'s standing; ``ServiceError/memberNotFound(board:member:)`` when absent.
    public func entry(board: String, member: String) async throws(ServiceError) -> Entry {
        guard let entry = try await lookup(board: board, members: [member]).entries.first else { throw .memberNotFound(board: board, member: member) }
        return entry
    }

    /// The standings of `members` (at most ``BoardRegistry/maxPage``) found, best first,
    /// and the ones not on the board, each once, in the order asked.
    public func lookup(board: String, members: [String]) async throws(ServiceError) -> Lookup {
        guard members.count <= BoardRegistry.maxPage else { throw .invalidRequest("at most \(BoardRegistry.maxPage) members a lookup") }
        for member in members { try MemberID.validate(member) }
        var seen = Set<[UInt8]>()
        let distinct = members.filter { seen.insert(Array($0.utf8)).inserted }
        let reply = try await run(BoardScripts.lookup, keys: keys.reading(board), arguments: distinct, board: board)
        guard let fields = reply.elements, let size = fields.first?.integer, fields.count == 1 + 5 * distinct.count else {
            throw .backendUnavailable("Redis answered a lookup with \(reply)")
        }
        var entries: [Entry] = []
        var missing: [String] = []
        for (position, member) in distinct.enumerated() {
            let row = 1 + 5 * position
            guard let rank = fields[row].integer, rank > 0, let score = fields[row + 1].double, let shared = fields[row + 2].integer,
                let worse = fields[row + 3].integer
            else {
                missing.append(member)
                continue
            }
            entries.append(
                Entry(
                    member: member, score: score, rank: Int(rank), sharedRank: Int(shared),
                    percentile: 100 * Double(worse) / Double(max(size, 1)), metadata: Self.metadata(fields[row + 4])))
        }
        return Lookup(entries: entries.sorted { $0.rank < $1.rank }, missing: missing)
    }

    /// Seasons are embedded only: a board on Redis has none.
    public func seasons(board: String) async throws(ServiceError) -> [SeasonSummary] {
        _ = try await self.board(named: board)
        return []
    }

    /// Seasons are embedded only.
    public func reset(board: String) async throws(ServiceError) -> SeasonSummary {
        _ = try await self.board(named: board)
        throw .embeddedOnly("a season reset")
    }

    /// Runs a page script: `{page total, first rank, board size, rows...}` as a page.
    private func page(_ script: RedisScript, board: String, arguments: [String], member: String = "") async throws(ServiceError) -> Page {
        let reply = try await run(script, keys: keys.reading(board), arguments: arguments, board: board, member: member)
        guard let fields = reply.elements, fields.count >= 3, (fields.count - 3) % 5 == 0, let total = fields[0].integer,
            let first = fields[1].integer, let size = fields[2].integer
        else { throw .backendUnavailable("Redis answered a page with \(reply)") }
        var entries: [Entry] = []
        for (position, row) in stride(from: 3, to: fields.count, by: 5).enumerated() {
            guard let member = fields[row].string, let score = fields[row + 1].double, let shared = fields[row + 2].integer,
                let worse = fields[row + 3].integer
            else { throw .backendUnavailable("Redis answered a page row with \(fields[row...])") }
            // Percentiles are of the whole board, whatever the page's total.
            entries.append(
                Entry(
                    member: member, score: score, rank: Int(first) + position + 1, sharedRank: Int(shared),
                    percentile: 100 * Double(worse) / Double(max(size, 1)), metadata: Self.metadata(fields[row + 4])))
        }
        return Page(entries: entries, total: Int(total))
    }

    private static func check(offset: Int, limit: Int) throws(ServiceError) {
        guard (0...BoardRegistry.maxPage).contains(limit) else { throw .invalidRequest("limit must be 0 to \(BoardRegistry.maxPage)") }
        guard offset >= 0 else { throw .invalidRequest("offset must not be negative") }
    }

    /// The summary script's `{size, seq, field, value...}` as a board summary.
    private static func summary(_ name: String, _ reply: RESPValue) throws(ServiceError) -> BoardSummary {
        guard let fields = reply.elements, fields.count >= 2, let size = fields[0].integer, let seq = fields[1].integer else {
            throw .backendUnavailable("Redis answered a board summary with \(reply)")
        }
        var config: [String: String] = [:]
        for index in stride(from: 2, to: fields.count - 1, by: 2) {
            if let field = fields[index].string, let value = fields[index + 1].string { config[field] = value }
        }
        guard let order = config["order"].flatMap(ScoreOrder.init), let update = config["update"].flatMap(UpdatePolicy.init),
            let tie = config["tie"].flatMap(TieBreak.init)
        else { throw .backendUnavailable("board '\(name)' has a config this server cannot read: \(config)") }
        let maxSize = config["max_size"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        let boardConfig = BoardConfig(
            order: order, update: update, tieBreak: tie, maxSize: maxSize, playerSubmit: config["player_submit"] == "1",
            minScore: config["min"].flatMap { Double($0) }, maxScore: config["max"].flatMap { Double($0) })
        return BoardSummary(name: name, config: boardConfig, size: Int(size), seq: UInt64(max(0, seq)))
    }

    /// `range` as ZCOUNT bounds of stored scores: for `asc` boards, then for `desc` ones,
    /// whose scores are stored negated (the range turns around with them).
    private static func bounds(_ range: ScoreRange) throws(ServiceError) -> [String] {
        guard !range.min.value.isNaN, !range.max.value.isNaN else { throw .invalidScore }
        func bound(_ value: Double, _ inclusive: Bool) -> String {
            let text = value == .infinity ? "+inf" : value == -.infinity ? "-inf" : Self.text(value)
            return inclusive ? text : "(" + text
        }
        return [
            bound(range.min.value, range.min.isInclusive), bound(range.max.value, range.max.isInclusive),
            bound(-range.max.value, range.max.isInclusive), bound(-range.min.value, range.min.isInclusive),
        ]
    }
}

/// Boards on Redis are the second backend of the service.
extension RedisBoards: BoardStore {
    /// `board`'s events that pass `filter`, after `since` or from the next change, relayed
    /// from Redis (``RedisEventRelay``).
    public func subscribe(board: String, filter: EventFilter, since: UInt64?) async throws(ServiceError) -> EventSubscription {
        try filter.validate()
        guard let relay else { throw .embeddedOnly("an event stream without a relay") }
        let summary = try await self.board(named: board)
        return try await relay.subscribe(board: board, seq: summary.seq, filter: filter, since: since)
    }
}
