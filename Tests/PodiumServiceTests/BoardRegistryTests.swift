import Foundation
import PodiumEngine
import PodiumStorage
import PodiumTestSupport
import Testing

@testable import PodiumService

/// A service over a fresh data directory, reopened on demand as a restart would, on a
/// clock the test moves.
final class RegistryFixture {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("podium-service-\(UUID().uuidString)").path
    let clock = TestClock()
    private(set) var store: DurableStore
    private(set) var podium: Podium
    var registry: BoardRegistry { podium.boards }
    var access: AccessRegistry { podium.access }

    let eventLimits: EmbeddedEventBus.Limits

    init(policy: FsyncPolicy = .always, eventLimits: EmbeddedEventBus.Limits = .init(), memory: MemoryLimit = MemoryLimit(bytes: nil)) throws {
        self.eventLimits = eventLimits
        let (store, state, _) = try DurableStore.open(path: path, policy: policy)
        self.store = store
        podium = Podium(store: store, recovered: state, events: EmbeddedEventBus(limits: eventLimits), clock: clock.read, memory: memory)
    }

    /// Closes and opens the data directory again: `graceful` as podiumd's stop does (the
    /// events' history saved beside the log), or keeping only what the log holds, as a
    /// crash would; `whileStopped` runs in between. Returns the recovery's warnings.
    @discardableResult
    func restart(graceful: Bool = false, expectWarnings: Bool = false, whileStopped: () throws -> Void = {}) throws -> [String] {
        if graceful { try podium.close() } else { try store.close() }
        try whileStopped()
        let (store, state, report) = try DurableStore.open(path: path, policy: .always)
        #expect(report.warnings.isEmpty != expectWarnings, "\(report.warnings)")
        self.store = store
        podium = Podium(store: store, recovered: state, events: EmbeddedEventBus(limits: eventLimits), clock: clock.read)
        return report.warnings
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct BoardRegistryTests {
    @Test func boardsAreCreatedOnceAndConflictsAreRefused() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        #expect(try await registry.createBoard(name: "weekly", config: BoardConfig()))
        #expect(try await registry.createBoard(name: "weekly", config: BoardConfig()) == false)
        await #expect(throws: ServiceError.boardConfigConflict("weekly")) {
            try await registry.createBoard(name: "weekly", config: BoardConfig(order: .ascending))
        }
        await #expect(throws: ServiceError.invalidBoardName("bad name")) {
            try await registry.createBoard(name: "bad name", config: BoardConfig())
        }
        await #expect(throws: ServiceError.self) {
            try await registry.createBoard(name: String(repeating: "a", count: 65), config: BoardConfig())
        }
        await #expect(throws: ServiceError.invalidConfig("max_size must be at least 1")) {
            try await registry.createBoard(name: "tiny", config: BoardConfig(maxSize: 0))
        }
        #expect(try registry.listBoards().map(\.name) == ["weekly"])
        try await registry.dropBoard(name: "weekly")
        #expect(throws: ServiceError.boardNotFound("weekly")) { try registry.board(named: "weekly") }
        await #expect(throws: ServiceError.boardNotFound("weekly")) { try await registry.dropBoard(name: "weekly") }
    }

    @Test func submissionsReportTheEntryAndWhatCameBefore() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig(update: .best, maxSize: 3))
        let first = try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 10))
        #expect(first.entry == Entry(member: "ann", score: 10, rank: 1, sharedRank: 1, percentile: 0))
        #expect(first.previousScore == nil && first.changed)
        let kept = try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 5))
        #expect(kept.changed == false && kept.previousScore == 10 && kept.entry?.score == 10)
        let set = try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 5, policy: .set))
        #expect(set.changed && set.entry?.score == 5 && set.previousRank == 1)
        for (member, score) in [("bob", 7.0), ("cy", 6.0)] {
            _ = try await registry.submit(board: "b", ScoreSubmission(member: member, score: score))
        }
        let evicting = try await registry.submit(board: "b", ScoreSubmission(member: "dee", score: 9))
        #expect(evicting.evicted?.member == "ann" && evicting.entry?.rank == 1)
        await #expect(throws: ServiceError.invalidScore) { try await registry.submit(board: "b", ScoreSubmission(member: "x", score: .nan)) }
        await #expect(throws: ServiceError.invalidMember) { try await registry.submit(board: "b", ScoreSubmission(member: "", score: 1)) }
        await #expect(throws: ServiceError.boardNotFound("nope")) { try await registry.submit(board: "nope", ScoreSubmission(member: "x", score: 1)) }
        #expect(try registry.board(named: "b").size == 3)
    }

    @Test func aBatchAppliesInOrderAndAnInvalidEntryFailsAlone() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig(update: .increment))
        let results = try await registry.submitBatch(board: "b", [
            ScoreSubmission(member: "a", score: 1), ScoreSubmission(member: "a", score: 2),
            ScoreSubmission(member: "bad\u{0}", score: 1), ScoreSubmission(member: "b", score: .infinity),
            ScoreSubmission(member: "b", score: 1),
        ])
        #expect(results.count == 5)
        #expect((try? results[1].get())?.entry?.score == 3)
        #expect(results[2] == .failure(.invalidMember) && results[3] == .failure(.invalidScore))
        #expect(try registry.top(board: "b", offset: 0, limit: 10).entries.map(\.member) == ["a", "b"])
        let tooMany = (0...BoardRegistry.maxBatch).map { ScoreSubmission(member: "m\($0)", score: 1) }
        await #expect(throws: ServiceError.batchTooLarge(count: 1001, limit: 1000)) { try await registry.submitBatch(board: "b", tooMany) }
    }

    @Test func readsValidateTheirBounds() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig())
        for index in 0..<20 { _ = try await registry.submit(board: "b", ScoreSubmission(member: "m\(index)", score: Double(index))) }
        #expect(try registry.entry(board: "b", member: "m19").rank == 1)
        #expect(throws: ServiceError.memberNotFound(board: "b", member: "zz")) { try registry.entry(board: "b", member: "zz") }
        let around = try registry.around(board: "b", member: "m10", radius: 2)
        #expect(around.entries.map(\.member) == ["m12", "m11", "m10", "m9", "m8"] && around.total == 20)
        #expect(try registry.count(board: "b", in: ScoreRange(min: ScoreBound(5), max: ScoreBound(9, inclusive: false))) == 4)
        #expect(try registry.scores(board: "b", in: ScoreRange(min: ScoreBound(15)), offset: 1, limit: 2).entries.map(\.member) == ["m18", "m17"])
        let friends = try registry.lookup(board: "b", members: ["m0", "nobody", "m7", "m0"])
        #expect(friends.entries.map(\.rank) == [13, 20] && friends.missing == ["nobody"])
        #expect(throws: ServiceError.self) { try registry.top(board: "b", offset: 0, limit: 1001) }
        #expect(throws: ServiceError.self) { try registry.top(board: "b", offset: -1, limit: 10) }
        #expect(throws: ServiceError.self) { try registry.around(board: "b", member: "m1", radius: -1) }
        #expect(throws: ServiceError.invalidScore) { try registry.count(board: "b", in: ScoreRange(min: ScoreBound(.nan))) }
    }

    @Test func everythingAcknowledgedSurvivesARestartWithASnapshotInBetween() async throws {
        let fixture = try RegistryFixture()
        var registry = fixture.registry
        try await registry.createBoard(name: "capped", config: BoardConfig(maxSize: 5))
        try await registry.createBoard(name: "asc", config: BoardConfig(order: .ascending, update: .set, tieBreak: .member))
        try await registry.createBoard(name: "gone", config: BoardConfig())
        for index in 0..<40 {
            _ = try await registry.submit(board: "capped", ScoreSubmission(member: "p\(index)", score: Double(index % 13)))
            _ = try await registry.submit(board: "asc", ScoreSubmission(member: "p\(index % 9)", score: Double(index % 4)))
            if index == 20 { _ = try await fixture.podium.snapshot() }
        }
        try await registry.removeMember(board: "asc", member: "p3")
        try await registry.dropBoard(name: "gone")
        try await registry.createBoard(name: "gone", config: BoardConfig(order: .ascending))
        let before = try ["capped", "asc", "gone"].map { try registry.top(board: $0, offset: 0, limit: 100) }
        try fixture.restart()
        registry = fixture.registry
        let after = try ["capped", "asc", "gone"].map { try registry.top(board: $0, offset: 0, limit: 100) }
        #expect(after == before)
        #expect(try registry.board(named: "gone").config.order == .ascending)
        #expect(try registry.board(named: "capped").size == 5)
    }

    @Test func aWriterHoldingADroppedBoardCannotLogAfterTheDrop() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig())
        let stale = try registry.handle("b")
        try await registry.dropBoard(name: "b")
        try await registry.createBoard(name: "b", config: BoardConfig())
        #expect(throws: ServiceError.boardNotFound("b")) { try stale.withBoard { $0.count } }
    }

    @Test func aFailedLogMakesTheServiceReadOnly() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig())
        try fixture.store.log.close()
        await #expect(throws: ServiceError.self) { try await registry.submit(board: "b", ScoreSubmission(member: "a", score: 1)) }
        // Read-only from now on: every write is refused until a restart, reads go on.
        #expect(!fixture.podium.isHealthy)
        await #expect(throws: ServiceError.self) { try await registry.createBoard(name: "c", config: BoardConfig()) }
        await #expect(throws: ServiceError.self) { try await fixture.access.createKey(name: "k", role: .server) }
        #expect(try registry.listBoards().map(\.name) == ["b"])
        #expect(try registry.top(board: "b", offset: 0, limit: 10).entries.count <= 1)
    }
}
