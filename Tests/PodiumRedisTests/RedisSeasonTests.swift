import PodiumEngine
import PodiumRedis
import PodiumService
import PodiumTestSupport
import RESPClient
import Testing

/// Seasons on Redis: a boundary passed resets a board once however many podiumd see it, the
/// season keeps its members read-only, and `keep` drops the oldest.
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: RedisServerProcess.isAvailable, "needs redis-server"))
struct RedisSeasonTests {
    @Test func aBoundaryResetsOnceWhateverTheNumberOfServers() async throws {
        let server = RedisServerProcess()
        try await server.start()
        let pool = RESPPool(RESPConfiguration(host: "127.0.0.1", port: server.port))
        do {
            let (a, b) = (RedisBoards(redis: pool), RedisBoards(redis: pool))
            let schedule = ResetSchedule(every: .daily, minuteOfDay: 0, timeZone: "Europe/Paris", keep: 2)
            try await a.createBoard(name: "daily", config: BoardConfig(reset: schedule))
            for member in ["José", "日本語 👾", "a b/c"] { _ = try await a.submit(board: "daily", ScoreSubmission(member: member, score: 7)) }
            let created = try await b.board(named: "daily")
            let start = try #require(created.seasonStart)
            #expect(created.nextReset.map { $0 > start } == true)

            // As if it had started two days ago, seen by two servers at once.
            _ = try await pool.send(RESPCommand("HSET", "podium:{daily}:meta", "season_start", String(start - 2 * 86_400_000)))
            let now = AccessRegistry.systemClock()
            async let first = a.resetDueBoards(now: now)
            async let second = b.resetDueBoards(now: now)
            #expect(try await (first + second) == ["daily"])
            #expect(try await a.resetDueBoards(now: now).isEmpty)
            let seasons = try await b.seasons(board: "daily")
            #expect(seasons.count == 1 && seasons.first?.size == 3)
            let season = "daily@" + (seasons.first?.id ?? "")
            #expect(try await a.top(board: season, offset: 0, limit: 10).entries.map(\.member).sorted() == ["José", "a b/c", "日本語 👾"])
            #expect(try await a.top(board: "daily", offset: 0, limit: 10).total == 0)
            await #expect(throws: ServiceError.seasonReadOnly(season)) { try await a.submit(board: season, ScoreSubmission(member: "x", score: 1)) }

            // By hand, twice more: `keep` 2 drops the first season and its keys.
            try await a.reset(board: "daily")
            try await a.reset(board: "daily")
            let kept = try await a.seasons(board: "daily")
            #expect(kept.count == 2 && !kept.contains { $0.id == seasons.first?.id })
            await #expect(throws: ServiceError.seasonNotFound(board: "daily", season: seasons.first?.id ?? "")) {
                try await a.top(board: season, offset: 0, limit: 1)
            }
            #expect(try await pool.send(RESPCommand("KEYS", "podium:{daily}:s:*")).elements?.count == 0)
        } catch {
            Issue.record(error)
        }
        await pool.close()
        await server.shutdown()
    }
}
