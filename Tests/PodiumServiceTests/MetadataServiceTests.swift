import Foundation
import PodiumEngine
import Testing

@testable import PodiumService

/// Entry metadata through the registry: set by a submit that carries it, kept by one that
/// does not, returned by every read, dropped with its member, limited to 1 KiB, and kept
/// across restarts (log and snapshot) and resets (in the season).
struct MetadataServiceTests {
    static let ann = Array(#"{"country":"FR","name":"Ann ⚽"}"#.utf8)
    static let other = Array(#"{"name":"Anne"}"#.utf8)

    @Test func aSubmitSetsOrKeepsItAndEveryReadReturnsIt() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig(update: .best))
        let first = try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 10, metadata: Self.ann))
        #expect(first.entry?.metadata == Self.ann)
        // Without metadata: kept. With: replaced, even when `best` keeps the old score.
        #expect(try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 20)).entry?.metadata == Self.ann)
        let kept = try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 5, metadata: Self.other))
        #expect(kept.changed == false && kept.entry?.metadata == Self.other)
        _ = try await registry.submit(board: "b", ScoreSubmission(member: "bob", score: 1))
        #expect(try registry.top(board: "b", offset: 0, limit: 5).entries.map(\.metadata) == [Self.other, nil])
        #expect(try registry.entry(board: "b", member: "ann").metadata == Self.other)
        #expect(try registry.around(board: "b", member: "bob", radius: 1).entries.first?.metadata == Self.other)
        #expect(try registry.lookup(board: "b", members: ["ann"]).entries.first?.metadata == Self.other)

        let tooLarge = Array(#"{"x":"\#(String(repeating: "é", count: 600))"}"#.utf8)
        await #expect(throws: ServiceError.metadataTooLarge(bytes: tooLarge.count, limit: 1024)) {
            try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 1, metadata: tooLarge))
        }
        #expect(try registry.entry(board: "b", member: "ann").metadata == Self.other, "a refused submit changes nothing")

        // Removed, and back: no metadata.
        try await registry.removeMember(board: "b", member: "ann")
        #expect(try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 1)).entry?.metadata == nil)
    }

    @Test(arguments: [false, true]) func itSurvivesRestartsAndResets(withSnapshot: Bool) async throws {
        let fixture = try RegistryFixture()
        try await fixture.registry.createBoard(name: "b", config: BoardConfig(maxSize: 2))
        try await fixture.registry.createBoard(name: "all", config: BoardConfig(update: .increment))
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "日本語 👾", score: 5, metadata: Self.ann))
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "evicted", score: 1, metadata: Self.other))
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "third", score: 3))
        let many = try await fixture.registry.submit(
            toBoards: ["b", "all"], ScoreSubmission(member: "both", score: 9, metadata: Self.other))
        #expect(many.map { (try? $0.get())?.entry?.metadata } == [Self.other, Self.other])
        _ = try await fixture.registry.reset(board: "b")
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "next", score: 2, metadata: Self.ann))
        if withSnapshot { _ = try await fixture.podium.snapshot() }
        try fixture.restart()

        let season = try #require(try fixture.registry.seasons(board: "b").first?.id)
        let archived = try fixture.registry.top(board: "b@\(season)", offset: 0, limit: 5).entries
        #expect(archived.map(\.member) == ["both", "日本語 👾"] && archived.map(\.metadata) == [Self.other, Self.ann])
        #expect(try fixture.registry.entry(board: "b", member: "next").metadata == Self.ann)
        #expect(try fixture.registry.entry(board: "all", member: "both").metadata == Self.other)
        // Another snapshot after the restart holds them too.
        _ = try await fixture.podium.snapshot()
        try fixture.restart()
        #expect(try fixture.registry.top(board: "b@\(season)", offset: 0, limit: 5).entries.map(\.metadata) == [Self.other, Self.ann])
        #expect(try fixture.registry.entry(board: "b", member: "next").metadata == Self.ann)
    }

    @Test func pastTheMemoryLimitNewOrLongerMetadataIsRefusedAndTheRestGoesOn() async throws {
        let memory = MemoryLimit(bytes: 1000)
        let fixture = try RegistryFixture(memory: memory)
        try await fixture.registry.createBoard(name: "b", config: BoardConfig(update: .set))
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "ann", score: 1, metadata: Self.other))
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "bob", score: 1))
        memory.sample(resident: 2000)
        await #expect(throws: ServiceError.memoryLimit(bytes: 1000)) {
            try await fixture.registry.submit(board: "b", ScoreSubmission(member: "bob", score: 2, metadata: Self.other))
        }
        await #expect(throws: ServiceError.memoryLimit(bytes: 1000)) {
            try await fixture.registry.submit(board: "b", ScoreSubmission(member: "ann", score: 2, metadata: Self.ann))
        }
        // No longer than before, or none: the update goes on.
        #expect(try await fixture.registry.submit(board: "b", ScoreSubmission(member: "ann", score: 3, metadata: Self.other)).entry?.score == 3)
        #expect(try await fixture.registry.submit(board: "b", ScoreSubmission(member: "bob", score: 3)).entry?.score == 3)
    }
}
