import Foundation
import PodiumEngine
import Testing

@testable import PodiumService

/// `submit(toBoards:)`: one score to many boards, each under its own rule, logged together.
struct ManyBoardsTests {
    static func boards(_ fixture: RegistryFixture) async throws {
        _ = try await fixture.registry.createBoard(name: "daily", config: BoardConfig(update: .set))
        _ = try await fixture.registry.createBoard(name: "weekly", config: BoardConfig(update: .increment))
        _ = try await fixture.registry.createBoard(name: "alltime", config: BoardConfig(update: .best, maxScore: 100))
    }

    @Test func eachBoardAppliesItsOwnRuleAndFailsAlone() async throws {
        let fixture = try RegistryFixture()
        try await Self.boards(fixture)
        let registry = fixture.registry
        let first = try await registry.submit(toBoards: ["daily", "weekly", "alltime"], ScoreSubmission(member: "José", score: 50))
        #expect(first.map { try? $0.get().entry?.score } == [50, 50, 50])

        let second = try await registry.submit(toBoards: ["alltime", "nope", "weekly", "daily"], ScoreSubmission(member: "José", score: 30))
        #expect(try second[0].get().changed == false && second[0].get().entry?.score == 50)
        #expect(throws: ServiceError.boardNotFound("nope")) { try second[1].get() }
        #expect(try second[2].get().entry?.score == 80 && second[3].get().entry?.score == 30)

        let third = try await registry.submit(toBoards: ["alltime", "daily"], ScoreSubmission(member: "José", score: 200))
        #expect(throws: ServiceError.scoreOutOfBounds(min: nil, max: 100)) { try third[0].get() }
        #expect(try third[1].get().entry?.score == 200)

        for bad in [[], ["daily", "daily"], (0...16).map { "b\($0)" }] {
            await #expect(throws: ServiceError.self) { try await registry.submit(toBoards: bad, ScoreSubmission(member: "x", score: 1)) }
        }

        // Everything applied was logged: it is all there after a restart, event numbers too.
        try fixture.restart()
        #expect(try fixture.registry.entry(board: "daily", member: "José").score == 200)
        #expect(try fixture.registry.entry(board: "weekly", member: "José").score == 80)
        #expect(try fixture.registry.entry(board: "alltime", member: "José").score == 50)
        #expect(try fixture.registry.board(named: "daily").seq == 3 && fixture.registry.board(named: "weekly").seq == 2)
    }

    /// Writers naming the same boards in opposite orders never wait on each other in a cycle.
    @Test func crossedOrdersDoNotDeadlock() async throws {
        let fixture = try RegistryFixture(policy: .no)
        try await Self.boards(fixture)
        let registry = fixture.registry
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                let boards = writer.isMultiple(of: 2) ? ["daily", "weekly"] : ["weekly", "daily"]
                group.addTask {
                    for round in 0..<300 {
                        _ = try await registry.submit(toBoards: boards, ScoreSubmission(member: "w\(writer)", score: Double(round)))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try registry.board(named: "weekly").seq == 1200)
    }
}
