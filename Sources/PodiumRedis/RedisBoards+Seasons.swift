import PodiumEngine
import PodiumService
import RESPClient

/// Seasons on Redis, with the embedded store's meaning: a reset moves the live board into a
/// read-only past season (`RENAME`, O(1) whatever its size) and starts it empty. Every
/// podiumd runs the schedule; a reset names the season start it ends, so a boundary resets
/// once however many podiumd see it.
extension RedisBoards {
    /// Archives the live board `name` as a past season now, starts it empty, and drops the
    /// oldest seasons past its `keep`; subscribers get `board_reset`.
    @discardableResult
    public func reset(board name: String) async throws(ServiceError) -> SeasonSummary {
        try Self.checkLive(name)
        for _ in 0..<5 {
            if let season = try await reset(try await board(named: name)) { return season }
        }
        throw .backendUnavailable("board '\(name)' kept being reset by other servers")
    }

    /// Resets every board whose schedule's boundary has passed; returns their names. What
    /// each podiumd's scheduler calls: a board another server reset meanwhile is left alone.
    public func resetDueBoards(now: Int64) async throws(ServiceError) -> [String] {
        var reset: [String] = []
        for board in try await listBoards() where (board.nextReset ?? .max) <= now {
            if try await self.reset(board) != nil { reset.append(board.name) }
        }
        return reset
    }

    /// The past seasons of `board`, newest first.
    public func seasons(board name: String) async throws(ServiceError) -> [SeasonSummary] {
        try Self.checkLive(name)
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline([RESPCommand("EXISTS", keys.config(name)), RESPCommand("LRANGE", keys.seasons(name), "0", "-1")])
        } catch {
            throw .backendUnavailable("\(error)")
        }
        guard replies.count == 2, replies[0].integer == 1 else {
            if replies.first?.errorCode != nil { throw .backendUnavailable("Redis: \(replies)") }
            throw .boardNotFound(name)
        }
        return (replies[1].elements ?? []).compactMap { line in
            guard let fields = line.string?.split(separator: "\t", omittingEmptySubsequences: false), fields.count == 4,
                let to = Int64(fields[2]), let size = Int(fields[3])
            else { return nil }
            return SeasonSummary(id: String(fields[0]), from: Int64(fields[1]), to: to, size: size)
        }
    }

    /// Ends `board`'s live season as `board` (a summary just read) saw it; nil when another
    /// server ended it first.
    private func reset(_ board: BoardSummary) async throws(ServiceError) -> SeasonSummary? {
        let schedule = board.config.reset ?? ResetSchedule(every: .daily)
        guard let calendar = SeasonCalendar(schedule) else {
            throw .invalidConfig("the board's reset schedule cannot be used here (time zone '\(schedule.timeZone)')")
        }
        let start = board.seasonStart.map(String.init) ?? ""
        let id = calendar.period(containing: board.seasonStart ?? 0).id
        let reply: RESPValue
        do {
            reply = try await write(
                BoardScripts.reset, keys: keys.writing(board.name),
                arguments: [id, String(board.config.seasonsKept), String(history), start, keys.seasonPrefix(board.name)], board: board.name)
        } catch {
            if case .backendUnavailable(let reason) = error, reason.contains("SEASON_MOVED") { return nil }
            throw error
        }
        guard let fields = reply.elements, fields.count == 4, let season = fields[0].string, let to = fields[2].string.flatMap({ Int64($0) }),
            let size = fields[3].integer
        else { throw .backendUnavailable("Redis answered a reset with \(reply)") }
        return SeasonSummary(id: season, from: fields[1].string.flatMap { Int64($0) }, to: to, size: Int(size))
    }
}
