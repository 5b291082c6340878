import Foundation
import PodiumEngine
import Testing

@testable import PodiumService

/// `--max-memory`: past it, what would grow the state is refused; the rest goes on.
struct MemoryLimitTests {
    @Test func pastTheLimitNewMembersAndSessionsAreRefusedAndTheRestGoesOn() async throws {
        let memory = MemoryLimit(bytes: 1000)
        let fixture = try RegistryFixture(memory: memory)
        let registry = fixture.registry
        _ = try await registry.createBoard(name: "b", config: BoardConfig(update: .set))
        _ = try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 1))
        _ = try await registry.submit(board: "b", ScoreSubmission(member: "cat", score: 2))

        memory.sample(resident: 1000)
        #expect(memory.isReached)
        await #expect(throws: ServiceError.memoryLimit(bytes: 1000)) {
            try await registry.submit(board: "b", ScoreSubmission(member: "bob", score: 5))
        }
        #expect(try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 9)).entry?.score == 9)
        let batch = try await registry.submitBatch(board: "b", [ScoreSubmission(member: "dan", score: 1), ScoreSubmission(member: "cat", score: 3)])
        #expect(throws: ServiceError.memoryLimit(bytes: 1000)) { try batch[0].get() }
        #expect(try batch[1].get().entry?.score == 3)
        let many = try await registry.submit(toBoards: ["b"], ScoreSubmission(member: "eve", score: 1))
        #expect(throws: ServiceError.memoryLimit(bytes: 1000)) { try many[0].get() }
        await #expect(throws: ServiceError.memoryLimit(bytes: 1000)) {
            try await fixture.access.createSession(player: "ann", ttlSeconds: 60, data: [])
        }
        _ = try await registry.removeMember(board: "b", member: "cat")
        #expect(try registry.top(board: "b", offset: 0, limit: 10).entries.map(\.member) == ["ann"])
        #expect(try fixture.podium.statistics().memoryLimitReached)

        memory.sample(resident: 999)
        #expect(try await registry.submit(board: "b", ScoreSubmission(member: "bob", score: 5)).changed)
        _ = try await fixture.access.createSession(player: "ann", ttlSeconds: 60, data: [])
    }

    @Test func withoutALimitNothingIsRefused() {
        let memory = MemoryLimit(bytes: nil)
        memory.sample(resident: .max)
        #expect(!memory.isReached)
    }
}
