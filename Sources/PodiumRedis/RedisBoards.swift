import PodiumEngine
import PodiumService
import RESPClient
import Synchronization

/// Boards kept in Redis or Valkey, with the engine's exact meaning (``BoardScripts``): so
/// that many podiumd can serve one data set. Each write is one script, atomic on the
/// server; scripts are sent once (`SCRIPT LOAD`) and run by their SHA (`EVALSHA`), sent
/// again when the server has forgotten them (`NOSCRIPT`, after a restart or a failover).
///
/// So far: create, submit, remove, pages by rank, by score and around a member, a member's
/// entry and a count by score, each checked against the engine by a randomized model test. The rest of ``BoardStore``
/// comes next.
public final class RedisBoards: Sendable {
    private let connection: RESPConnection
    private let keys: RedisBoardKeys
    /// Script text -> SHA1, once loaded.
    private let loaded = Mutex<[String: String]>([:])

    public init(connection: RESPConnection, prefix: String = "podium") {
        self.connection = connection
        keys = RedisBoardKeys(prefix: prefix)
    }

    /// Creates `name`; idempotent for the same config, ``ServiceError/boardConfigConflict(_:)``
    /// for another. Seasons and metadata are not on Redis yet: a config with a reset schedule
    /// is refused.
    @discardableResult
    public func createBoard(name: String, config: BoardConfig) async throws(ServiceError) -> Bool {
        guard BoardName.isValid(name) else { throw .invalidBoardName(name) }
        guard config.reset == nil else { throw .invalidConfig("seasons are not on the Redis backend yet") }
        guard config.maxSize.map({ $0 >= 1 }) ?? true else { throw .invalidConfig("max_size must be at least 1") }
        var fields = [
            "order", config.order.rawValue, "update", config.update.rawValue, "tie", config.tieBreak.rawValue,
            "max_size", String(config.maxSize ?? 0), "player_submit", config.playerSubmit ? "1" : "0",
        ]
        if let minScore = config.minScore { fields += ["min", Self.text(minScore)] }
        if let maxScore = config.maxScore { fields += ["max", Self.text(maxScore)] }
        let reply = try await run(BoardScripts.create, keys: [keys.config(name)], arguments: fields)
        switch reply.integer {
        case 1: return true
        case 0: return false
        default: throw .boardConfigConflict(name)
        }
    }

    /// One score, under the board's rules or `submission.policy`. O(log n) on the server.
    public func submit(board: String, _ submission: ScoreSubmission) async throws(ServiceError) -> SubmitResult {
        try MemberID.validate(submission.member)
        guard submission.score.isFinite else { throw .invalidScore }
        let reply = try await run(
            BoardScripts.submit, keys: keys.all(board), arguments: [submission.member, Self.text(submission.score), submission.policy?.rawValue ?? ""],
            board: board)
        guard let fields = reply.elements, fields.count == 13 else { throw .storageUnavailable("Redis answered a submit with \(reply)") }
        guard let score = fields[1].double, let rank = fields[2].integer, let shared = fields[10].integer, let worse = fields[11].integer,
            let size = fields[12].integer
        else {
            // A full board kept the newcomer out.
            return SubmitResult(member: submission.member, entry: nil, previousScore: nil, previousRank: nil, changed: false, evicted: nil)
        }
        let evicted = fields[5].string.flatMap { $0.isEmpty ? nil : $0 }.map { member in
            Removal(member: member, score: fields[6].double ?? 0, rank: Int(fields[7].integer ?? 0))
        }
        let entry = Entry(
            member: submission.member, score: score, rank: Int(rank), sharedRank: Int(shared), percentile: 100 * Double(worse) / Double(max(size, 1)))
        return SubmitResult(
            member: submission.member, entry: entry, previousScore: fields[3].double, previousRank: fields[4].integer.map(Int.init),
            changed: fields[0].integer == 1, evicted: evicted)
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
        return try await page(BoardScripts.around, board: board, arguments: [member, String(radius)], names: true, member: member)
    }

    /// The entries of a score range from its `offset`-th, in rank order, and how many it holds.
    public func scores(board: String, in range: ScoreRange, offset: Int, limit: Int) async throws(ServiceError) -> Page {
        try Self.check(offset: offset, limit: limit)
        let (low, high) = try await storedBounds(range, board: board)
        return try await page(BoardScripts.scorePage, board: board, arguments: [low, high, String(offset), String(limit)])
    }

    /// Runs a page script: `{page total, first rank, board size, rows...}` as a page.
    private func page(
        _ script: String, board: String, arguments: [String], names: Bool = false, member: String = ""
    ) async throws(ServiceError) -> Page {
        let boardKeys = names ? [keys.config(board), keys.sortedSet(board), keys.names(board)] : [keys.config(board), keys.sortedSet(board)]
        let reply = try await run(script, keys: boardKeys, arguments: arguments, board: board, member: member)
        guard let fields = reply.elements, fields.count >= 3, let total = fields[0].integer, let first = fields[1].integer,
            let size = fields[2].integer
        else { throw .storageUnavailable("Redis answered a page with \(reply)") }
        var entries: [Entry] = []
        for (position, row) in stride(from: 3, to: fields.count, by: 4).enumerated() where row + 3 < fields.count {
            guard let member = fields[row].string, let score = fields[row + 1].double, let shared = fields[row + 2].integer,
                let worse = fields[row + 3].integer
            else { throw .storageUnavailable("Redis answered a page row with \(fields[row...])") }
            // Percentiles are of the whole board, whatever the page's total.
            entries.append(
                Entry(
                    member: member, score: score, rank: Int(first) + position + 1, sharedRank: Int(shared),
                    percentile: 100 * Double(worse) / Double(max(size, 1))))
        }
        return Page(entries: entries, total: Int(total))
    }

    private static func check(offset: Int, limit: Int) throws(ServiceError) {
        guard (0...BoardRegistry.maxPage).contains(limit) else { throw .invalidRequest("limit must be 0 to \(BoardRegistry.maxPage)") }
        guard offset >= 0 else { throw .invalidRequest("offset must not be negative") }
    }

    /// `member`'s standing; ``ServiceError/memberNotFound(board:member:)`` when absent.
    public func entry(board: String, member: String) async throws(ServiceError) -> Entry {
        try MemberID.validate(member)
        let reply = try await run(BoardScripts.entry, keys: [keys.config(board), keys.sortedSet(board), keys.names(board)], arguments: [member], board: board)
        guard let fields = reply.elements, let total = fields.first?.integer else { throw .storageUnavailable("Redis answered an entry with \(reply)") }
        guard fields.count == 6, let score = fields[2].double, let shared = fields[3].integer, let worse = fields[4].integer,
            let rank = fields[5].integer
        else { throw .memberNotFound(board: board, member: member) }
        return Entry(member: member, score: score, rank: Int(rank), sharedRank: Int(shared), percentile: 100 * Double(worse) / Double(max(total, 1)))
    }

    /// Removes `member`; ``ServiceError/memberNotFound(board:member:)`` when absent.
    @discardableResult
    public func removeMember(board: String, member: String) async throws(ServiceError) -> Removal {
        try MemberID.validate(member)
        let reply = try await run(BoardScripts.remove, keys: keys.all(board), arguments: [member], board: board, member: member)
        guard let fields = reply.elements, fields.count == 3, let score = fields[0].double, let rank = fields[1].integer else {
            throw .storageUnavailable("Redis answered a removal with \(reply)")
        }
        return Removal(member: member, score: score, rank: Int(rank))
    }

    /// Members with scores in `range`. O(log n) on the server.
    public func count(board: String, in range: ScoreRange) async throws(ServiceError) -> Int {
        let (low, high) = try await storedBounds(range, board: board)
        let reply = try await run(BoardScripts.count, keys: [keys.config(board), keys.sortedSet(board)], arguments: [low, high], board: board)
        return Int(reply.integer ?? 0)
    }

    /// `range` as bounds of stored scores, which are negated on `desc` boards: the range
    /// turns around with them.
    private func storedBounds(_ range: ScoreRange, board: String) async throws(ServiceError) -> (String, String) {
        guard !range.min.value.isNaN, !range.max.value.isNaN else { throw .invalidScore }
        let descending = try await command(["HGET", keys.config(board), "order"]).string == ScoreOrder.descending.rawValue
        let (low, high) = descending ? (Self.negated(range.max), Self.negated(range.min)) : (range.min, range.max)
        return (Self.bound(low), Self.bound(high))
    }

    private static func negated(_ bound: ScoreBound) -> ScoreBound { ScoreBound(-bound.value, inclusive: bound.isInclusive) }

    /// A bound as ZCOUNT reads it: `(` before an exclusive one, `-inf`/`+inf`.
    private static func bound(_ bound: ScoreBound) -> String {
        let value = bound.value == .infinity ? "+inf" : bound.value == -.infinity ? "-inf" : text(bound.value)
        return bound.isInclusive ? value : "(" + value
    }

    // MARK: Internals

    /// Runs `script` by its SHA, loading it first (and again after `NOSCRIPT`); the
    /// script's own error replies become service errors.
    private func run(
        _ script: String, keys: [String], arguments: [String], board: String = "", member: String = ""
    ) async throws(ServiceError) -> RESPValue {
        for _ in 0..<2 {
            let sha: String
            if let known = loaded.withLock({ $0[script] }) {
                sha = known
            } else {
                guard let loadedSHA = try await command(["SCRIPT", "LOAD", script]).string else { throw .storageUnavailable("SCRIPT LOAD gave no SHA") }
                loaded.withLock { $0[script] = loadedSHA }
                sha = loadedSHA
            }
            do {
                return try await connection.send(RESPCommand(["EVALSHA", sha, String(keys.count)].map { Array($0.utf8) } + (keys + arguments).map { Array($0.utf8) }))
            } catch {
                // A script's own errors come back as `ERR CODE` (Redis 7 adds the `ERR`).
                var words: [Substring] = []
                if case let .server(message) = error { words = message.split(separator: " ") }
                if words.first == "ERR" { words.removeFirst() }
                switch words.first {
                case "NOSCRIPT": loaded.withLock { $0[script] = nil }
                case "BOARD_NOT_FOUND": throw .boardNotFound(board)
                case "SCORE_OUT_OF_BOUNDS": throw .scoreOutOfBounds(min: words.dropFirst().first.flatMap { Double($0) }, max: words.dropFirst(2).first.flatMap { Double($0) })
                case "MEMBER_NOT_FOUND": throw .memberNotFound(board: board, member: member)
                case "INVALID_SCORE": throw .invalidScore
                default: throw .storageUnavailable("Redis: \(error)")
                }
            }
        }
        throw .storageUnavailable("Redis forgot the script twice")
    }

    private func command(_ arguments: [String]) async throws(ServiceError) -> RESPValue {
        do {
            return try await connection.send(RESPCommand(arguments.map { Array($0.utf8) }))
        } catch {
            throw .storageUnavailable("Redis: \(error)")
        }
    }

    /// A score as Redis and Lua read it back exactly.
    static func text(_ value: Double) -> String {
        value == 0 ? "0" : "\(value)"
    }
}

/// The keys of a board: all under its `{name}` hash tag, so a board is one cluster slot.
struct RedisBoardKeys: Sendable {
    let prefix: String

    func config(_ board: String) -> String { "\(prefix):{\(board)}:config" }
    func sortedSet(_ board: String) -> String { "\(prefix):{\(board)}:z" }
    func names(_ board: String) -> String { "\(prefix):{\(board)}:names" }
    func meta(_ board: String) -> String { "\(prefix):{\(board)}:meta" }
    func all(_ board: String) -> [String] { [config(board), sortedSet(board), names(board), meta(board)] }
}
