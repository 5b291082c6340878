import ArgumentParser
import PodiumClient

/// `podium rank BOARD MEMBER`.
struct RankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank", abstract: "A member's score, rank, shared rank and percentile.",
        discussion: "  podium rank weekly ann")
    @Argument(help: "The board.") var board: String
    @Argument(help: "The member id (any UTF-8; quote spaces).") var member: String
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await server.withClient { client throws(PodiumError) in
            let reply = try await client.send(.entry(board: board, member: member))
            guard !output.json else { return Output.json(reply.json) }
            Formatting.entries([reply.value]).print()
        }
    }
}
