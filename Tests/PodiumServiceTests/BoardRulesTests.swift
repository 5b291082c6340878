import PodiumEngine
import Testing

@testable import PodiumService

/// The rules every backend shares, checked above the seam.
struct BoardRulesTests {
    @Test func aPlayerSubmitsItsOwnMemberByBytesAndUnderTheBoardsRule() {
        #expect(BoardRules.isOwnSubmit(member: "José", update: nil, player: "José"))
        // NFC against NFD: two members to the engine, so not the player's own.
        #expect(!BoardRules.isOwnSubmit(member: "Jos\u{E9}", update: nil, player: "Jose\u{301}"))
        #expect(!BoardRules.isOwnSubmit(member: "ann", update: nil, player: "bob"))
        #expect(!BoardRules.isOwnSubmit(member: "ann", update: .set, player: "ann"))
    }

    @Test func aManyBoardSubmitNamesOneToSixteenDistinctBoards() throws {
        try BoardRules.validateTargets(["daily", "weekly"])
        #expect(throws: ServiceError.self) { try BoardRules.validateTargets([]) }
        #expect(throws: ServiceError.self) { try BoardRules.validateTargets(["a", "a"]) }
        #expect(throws: ServiceError.self) { try BoardRules.validateTargets((0...16).map { "b\($0)" }) }
    }

    /// The embedded registry is the backend the HTTP layer sees through the protocol.
    @Test func theEmbeddedRegistryServesThroughTheSeam() async throws {
        let fixture = try RegistryFixture()
        let store: any BoardStore = fixture.registry
        #expect(try await store.createBoard(name: "b", config: BoardConfig()))
        _ = try await store.submit(board: "b", ScoreSubmission(member: "ann", score: 3))
        #expect(try await store.top(board: "b", offset: 0, limit: 5).entries.map(\.member) == ["ann"])
        #expect(try await store.listBoards().map(\.name) == ["b"])
    }
}
