import Foundation
import PodiumEngine
import Testing

@testable import PodiumService

/// Seasons on the test clock (which starts at 2027-01-15T08:00:00Z): a boundary archives the
/// live board once, archives read like boards and refuse writes, `keep` drops the oldest,
/// and all of it survives restarts from the log and from a snapshot.
struct SeasonTests {
    static let daily = BoardConfig(update: .set, reset: ResetSchedule(every: .daily, keep: 2))

    static func standings(_ registry: BoardRegistry, _ board: String) throws -> [String] {
        try registry.top(board: board, offset: 0, limit: 100).entries.map { "\($0.member) \($0.score)" }
    }

    static func submit(_ registry: BoardRegistry, _ board: String, _ scores: [(String, Double)]) async throws {
        for (member, score) in scores { _ = try await registry.submit(board: board, ScoreSubmission(member: member, score: score)) }
    }

    @Test func aBoundaryArchivesTheLiveBoardOnceAndArchivesReadLikeBoards() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        try await registry.createBoard(name: "daily", config: Self.daily)
        try await Self.submit(registry, "daily", [("José", 10), ("ann", 30), ("日本語 👾/x", 20)])
        #expect(await registry.resetDueBoards().isEmpty)
        #expect(try registry.board(named: "daily").nextReset == SeasonCalendarTests.ms("2027-01-16T00:00:00Z"))

        fixture.clock.advance(seconds: 16 * 3600)  // 2027-01-16T00:00:00Z
        #expect(await registry.resetDueBoards() == ["daily"])
        #expect(await registry.resetDueBoards().isEmpty, "a boundary resets once")
        #expect(try registry.top(board: "daily", offset: 0, limit: 10).total == 0)
        let seasons = try registry.seasons(board: "daily")
        #expect(seasons == [SeasonSummary(id: "2027-01-15", from: 1_800_000_000_000, to: SeasonCalendarTests.ms("2027-01-16T00:00:00Z"), size: 3)])

        // Every read works on the archive; writes are refused and change nothing.
        let archive = "daily@2027-01-15"
        #expect(try Self.standings(registry, archive) == ["ann 30.0", "日本語 👾/x 20.0", "José 10.0"])
        #expect(try registry.entry(board: archive, member: "日本語 👾/x").rank == 2)
        #expect(try registry.around(board: archive, member: "José", radius: 1).entries.map(\.member) == ["日本語 👾/x", "José"])
        #expect(try registry.count(board: archive, in: ScoreRange(min: ScoreBound(15), max: ScoreBound(40))) == 2)
        #expect(try registry.lookup(board: archive, members: ["José", "nobody"]).missing == ["nobody"])
        #expect(try registry.board(named: archive).size == 3)
        await #expect(throws: ServiceError.seasonReadOnly(archive)) {
            try await registry.submit(board: archive, ScoreSubmission(member: "cheat", score: 99))
        }
        await #expect(throws: ServiceError.seasonReadOnly(archive)) { try await registry.removeMember(board: archive, member: "ann") }
        await #expect(throws: ServiceError.seasonReadOnly(archive)) { try await registry.dropBoard(name: archive) }
        #expect(throws: ServiceError.seasonNotFound(board: "daily", season: "2027-01-14")) {
            try registry.top(board: "daily@2027-01-14", offset: 0, limit: 1)
        }
        #expect(throws: ServiceError.boardNotFound("nope")) { try registry.top(board: "nope@2027-01-15", offset: 0, limit: 1) }
        #expect(try Self.standings(registry, archive).count == 3)
    }

    @Test func aServerDownAcrossBoundariesResetsOnceAndKeepDropsTheOldest() async throws {
        let fixture = try RegistryFixture()
        try await fixture.registry.createBoard(name: "daily", config: Self.daily)
        try await Self.submit(fixture.registry, "daily", [("a", 1)])
        // Down for three days: one reset on start, named after the day its season began.
        fixture.clock.advance(seconds: 3 * 86400)
        try fixture.restart()
        #expect(await fixture.registry.resetDueBoards() == ["daily"])
        #expect(await fixture.registry.resetDueBoards().isEmpty)
        #expect(try fixture.registry.seasons(board: "daily").map(\.id) == ["2027-01-15"])

        // Two resets by hand the same day: `.2`; keep 2 drops the oldest.
        try await Self.submit(fixture.registry, "daily", [("b", 2)])
        #expect(try await fixture.registry.reset(board: "daily").id == "2027-01-18")
        try await Self.submit(fixture.registry, "daily", [("c", 3)])
        #expect(try await fixture.registry.reset(board: "daily").id == "2027-01-18.2")
        #expect(try fixture.registry.seasons(board: "daily").map(\.id) == ["2027-01-18.2", "2027-01-18"])
        #expect(try Self.standings(fixture.registry, "daily@2027-01-18.2") == ["c 3.0"])
        #expect(throws: ServiceError.seasonNotFound(board: "daily", season: "2027-01-15")) {
            try fixture.registry.top(board: "daily@2027-01-15", offset: 0, limit: 1)
        }
        // A board without a schedule resets by hand only, seasons named by UTC day.
        try await fixture.registry.createBoard(name: "plain", config: BoardConfig())
        try await Self.submit(fixture.registry, "plain", [("p", 1)])
        #expect(try fixture.registry.board(named: "plain").nextReset == nil)
        #expect(try await fixture.registry.reset(board: "plain").id == "2027-01-18")
    }

    @Test func weeklyAndMonthlyBoundariesFallInTheirTimeZones() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        // Monday 00:00 in Tokyo is Sunday 15:00Z; the 1st at 00:00 in New York is 05:00Z in winter.
        try await registry.createBoard(name: "weekly", config: BoardConfig(reset: ResetSchedule(every: .weekly, timeZone: "Asia/Tokyo", keep: 1)))
        try await registry.createBoard(name: "monthly", config: BoardConfig(reset: ResetSchedule(every: .monthly, timeZone: "America/New_York")))
        #expect(try registry.board(named: "weekly").nextReset == SeasonCalendarTests.ms("2027-01-17T15:00:00Z"))
        #expect(try registry.board(named: "monthly").nextReset == SeasonCalendarTests.ms("2027-02-01T05:00:00Z"))
        fixture.clock.now.store(SeasonCalendarTests.ms("2027-01-17T14:59:59Z"), ordering: .relaxed)
        #expect(await registry.resetDueBoards().isEmpty)
        fixture.clock.now.store(SeasonCalendarTests.ms("2027-01-17T15:00:00Z"), ordering: .relaxed)
        #expect(await registry.resetDueBoards() == ["weekly"])
        #expect(try registry.seasons(board: "weekly").map(\.id) == ["2027-W02"])
        // A week later, keep 1 leaves the newest only.
        fixture.clock.advance(seconds: 7 * 86400)
        #expect(await registry.resetDueBoards() == ["weekly"])
        #expect(try registry.seasons(board: "weekly").map(\.id) == ["2027-W03"])
        fixture.clock.now.store(SeasonCalendarTests.ms("2027-02-01T05:00:00Z"), ordering: .relaxed)
        #expect(await registry.resetDueBoards() == ["monthly", "weekly"])
        #expect(try registry.seasons(board: "monthly").map(\.id) == ["2027-01"])
        #expect(try registry.board(named: "monthly").nextReset == SeasonCalendarTests.ms("2027-03-01T05:00:00Z"))
    }

    @Test(arguments: [false, true]) func seasonsSurviveARestart(withSnapshot: Bool) async throws {
        let fixture = try RegistryFixture()
        try await fixture.registry.createBoard(name: "daily", config: Self.daily)
        try await Self.submit(fixture.registry, "daily", [("ann", 1), ("bob", 2)])
        fixture.clock.advance(seconds: 16 * 3600)
        #expect(await fixture.registry.resetDueBoards() == ["daily"])
        try await Self.submit(fixture.registry, "daily", [("cy", 3)])
        if withSnapshot { _ = try await fixture.podium.snapshot() }
        try await Self.submit(fixture.registry, "daily", [("dee", 4)])
        let seasons = try fixture.registry.seasons(board: "daily")
        let next = try fixture.registry.board(named: "daily").nextReset
        try fixture.restart()
        #expect(try fixture.registry.seasons(board: "daily") == seasons)
        #expect(try fixture.registry.board(named: "daily").nextReset == next)
        #expect(try Self.standings(fixture.registry, "daily@2027-01-15") == ["bob 2.0", "ann 1.0"])
        #expect(try Self.standings(fixture.registry, "daily") == ["dee 4.0", "cy 3.0"])
        #expect(await fixture.registry.resetDueBoards().isEmpty, "no second reset after a restart")
        // A snapshot taken after the restart holds the seasons too.
        _ = try await fixture.podium.snapshot()
        try fixture.restart()
        #expect(try fixture.registry.seasons(board: "daily") == seasons)
        #expect(try Self.standings(fixture.registry, "daily@2027-01-15") == ["bob 2.0", "ann 1.0"])
        // Dropping the board drops its seasons.
        try await fixture.registry.dropBoard(name: "daily")
        try await fixture.registry.createBoard(name: "daily", config: Self.daily)
        #expect(try fixture.registry.seasons(board: "daily").isEmpty)
    }

    @Test func subscribersSeeTheResetInTheirNumbering() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        try await registry.createBoard(name: "daily", config: Self.daily)
        try await Self.submit(registry, "daily", [("ann", 5)])
        let top = try await registry.subscribe(board: "daily", filter: EventFilter(top: 1), since: nil)
        let watching = try await registry.subscribe(board: "daily", filter: EventFilter(members: ["ann"]), since: nil)
        _ = try await registry.reset(board: "daily")
        try await Self.submit(registry, "daily", [("bob", 1), ("ann", 2)])
        for subscription in [top, watching] {
            let messages = await subscription.drain()
            #expect(messages.first?.type == "board_reset" && messages.first?.seq == 2)
            #expect(messages.first?.object["season"] as? String == "2027-01-15")
        }
        // After the reset, ann passing bob is an ordinary move: no stale positions.
        let replay = try await registry.subscribe(board: "daily", filter: EventFilter(), since: 1)
        #expect(await replay.drain().map(\.type) == ["board_reset", "score_changed", "score_changed"])
    }
}
