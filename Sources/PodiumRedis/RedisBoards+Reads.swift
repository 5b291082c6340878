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

    /// A live board, or a past season (`board@season`: its board's config, its size).
    public func board(named name: String) async throws(ServiceError) -> BoardSummary {
        if let season = SeasonName(name) {
            let board = try await self.board(named: season.board)
            guard let found = try await seasons(board: season.board).first(where: { $0.id == season.id }) else {
                throw .seasonNotFound(board: season.board, season: season.id)
            }
            return BoardSummary(name: name, config: board.config, size: found.size, seq: 0)
        }
        try BoardName.validate(name)
        let reply = try await run(BoardScripts.summary, keys: [keys.config(name), keys.sortedSet(name), keys.meta(name)], arguments: [], board: name)
        return try Self.summary(name, reply)
    }

    /// Entries with ranks `offset + 1 ... offset + limit`, best first, and the board's size.
    public func top(board: String, offset: Int, limit: Int) async throws(ServiceError) -> Page {
        try BoardRules.validatePage(offset: offset, limit: limit)
        // Past any board's size (and the 2^53 a Lua number holds exactly), a page is empty.
        let first = min(offset, Self.farBeyondAnyBoard)
        return try await page(BoardScripts.page, board: board, arguments: [String(first), String(first + limit - 1)])
    }

    /// `member` and up to `radius` entries above and below it, with the board's size.
    public func around(board: String, member: String, radius: Int) async throws(ServiceError) -> Page {
        try BoardRules.validate(radius: radius)
        try MemberID.validate(member)
        return try await page(BoardScripts.around, board: board, arguments: [member, String(radius)], member: member)
    }

    /// The entries of a score range from its `offset`-th, in rank order, and how many it holds.
    public func scores(board: String, in range: ScoreRange, offset: Int, limit: Int) async throws(ServiceError) -> Page {
        try BoardRules.validatePage(offset: offset, limit: limit)
        return try await page(
            BoardScripts.scorePage, board: board, arguments: try Self.bounds(range) + [String(min(offset, Self.farBeyondAnyBoard)), String(limit)])
    }

    /// Members with scores in `range`. O(log n) on the server.
    public func count(board: String, in range: ScoreRange) async throws(ServiceError) -> Int {
        let reply = try await run(BoardScripts.count, keys: try await readingKeys(board), arguments: try Self.bounds(range), board: board)
        return Int(reply.integer ?? 0)
    }

    /// `member`'s standing; ``ServiceError/memberNotFound(board:member:)`` when absent.
    public func entry(board: String, member: String) async throws(ServiceError) -> Entry {
        try MemberID.validate(member)
        guard let entry = try await lookup(board: board, members: [member]).entries.first else { throw .memberNotFound(board: board, member: member) }
        return entry
    }

    /// The standings of `members` (at most ``BoardRegistry/maxPage``) found, best first,
    /// and the ones not on the board (an invalid id is never on it), each once, in the order
    /// asked.
    public func lookup(board: String, members: [String]) async throws(ServiceError) -> Lookup {
        guard members.count <= BoardRegistry.maxPage else { throw .invalidRequest("at most \(BoardRegistry.maxPage) members a lookup") }
        var seen = Set<[UInt8]>()
        let distinct = members.filter { seen.insert(Array($0.utf8)).inserted }
        let reply = try await run(BoardScripts.lookup, keys: try await readingKeys(board), arguments: distinct, board: board)
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
                    percentile: Self.percentile(worse: worse, size: size), metadata: Self.metadata(fields[row + 4])))
        }
        return Lookup(entries: entries.sorted { $0.rank < $1.rank }, missing: missing)
    }

    /// Runs a page script: `{page total, first rank, board size, rows...}` as a page.
    private func page(_ script: RedisScript, board: String, arguments: [String], member: String = "") async throws(ServiceError) -> Page {
        let reply = try await run(script, keys: try await readingKeys(board), arguments: arguments, board: board, member: member)
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
                    percentile: Self.percentile(worse: worse, size: size), metadata: Self.metadata(fields[row + 4])))
        }
        return Page(entries: entries, total: Int(total))
    }

    /// The share of a board of `size` that `worse` members are, as the engine gives it.
    static func percentile(worse: Int64, size: Int64) -> Double {
        100 * Double(worse) / Double(max(size, 1))
    }

    /// An offset no board reaches, that Lua's numbers hold exactly.
    static let farBeyondAnyBoard = 1 << 50

    /// The keys a read script takes for `name`: a live board's, or a past season's
    /// (`board@season`, which must exist: one more round trip).
    private func readingKeys(_ name: String) async throws(ServiceError) -> [String] {
        guard let season = SeasonName(name) else {
            try BoardName.validate(name)
            return keys.reading(name)
        }
        try BoardName.validate(season.board)
        guard try await seasons(board: season.board).contains(where: { $0.id == season.id }) else {
            throw .seasonNotFound(board: season.board, season: season.id)
        }
        return keys.reading(season.board, season: season.id)
    }

    /// The summary script's `{size, seq, season start, field, value...}` as a board summary.
    static func summary(_ name: String, _ reply: RESPValue) throws(ServiceError) -> BoardSummary {
        guard let fields = reply.elements, fields.count >= 3, let size = fields[0].integer, let seq = fields[1].integer else {
            throw .backendUnavailable("Redis answered a board summary with \(reply)")
        }
        var config: [String: String] = [:]
        for index in stride(from: 3, to: fields.count - 1, by: 2) {
            if let field = fields[index].string, let value = fields[index + 1].string { config[field] = value }
        }
        guard let order = config["order"].flatMap(ScoreOrder.init), let update = config["update"].flatMap(UpdatePolicy.init),
            let tie = config["tie"].flatMap(TieBreak.init)
        else { throw .backendUnavailable("board '\(name)' has a config this server cannot read: \(config)") }
        let maxSize = config["max_size"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        var reset: ResetSchedule?
        if let every = config["reset_every"].flatMap(ResetPeriod.init), let minute = config["reset_at"].flatMap({ Int($0) }),
            let zone = config["reset_tz"], let keep = config["reset_keep"].flatMap({ Int($0) })
        {
            reset = ResetSchedule(every: every, minuteOfDay: minute, timeZone: zone, keep: keep)
        }
        let boardConfig = BoardConfig(
            order: order, update: update, tieBreak: tie, maxSize: maxSize, playerSubmit: config["player_submit"] == "1",
            minScore: config["min"].flatMap { Double($0) }, maxScore: config["max"].flatMap { Double($0) }, reset: reset)
        let seasonStart = fields[2].string.flatMap { Int64($0) }
        let nextReset = reset.flatMap(SeasonCalendar.init).flatMap { calendar in seasonStart.map { calendar.boundary(after: $0) } }
        return BoardSummary(name: name, config: boardConfig, size: Int(size), seq: UInt64(max(0, seq)), nextReset: nextReset, seasonStart: seasonStart)
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
    /// from Redis (``RedisEventRelay``). Members watched are registered on Redis for the
    /// write scripts' `overtaken`, and released when the subscription ends.
    public func subscribe(board: String, filter: EventFilter, since: UInt64?) async throws(ServiceError) -> EventSubscription {
        try filter.validate()
        guard let relay else { throw .embeddedOnly("an event stream without a relay") }
        let summary = try await self.board(named: board)
        var seen = Set<[UInt8]>()
        let members = filter.members.filter { seen.insert(Array($0.utf8)).inserted }
        let keys = keys.watching(board)
        if !members.isEmpty { _ = try await run(BoardScripts.watch, keys: keys, arguments: ["1"] + members, board: board) }
        do {
            return try await relay.subscribe(board: board, seq: summary.seq, filter: filter, since: since) { [self] in
                guard !members.isEmpty else { return }
                Task { _ = try? await run(BoardScripts.watch, keys: keys, arguments: ["-1"] + members, board: board) }
            }
        } catch {
            if !members.isEmpty { _ = try? await run(BoardScripts.watch, keys: keys, arguments: ["-1"] + members, board: board) }
            throw error
        }
    }
}
