import ArgumentParser
import PodiumClient

/// `podium around BOARD MEMBER --radius R`.
struct AroundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "around", abstract: "A member and its neighbours: up to R above and R below.",
        discussion: "  podium around weekly ann --radius 3")
    @Argument(help: "The board.") var board: String
    @Argument(help: "The member id.") var member: String
    @Option(help: "How many entries above and below (server default 5, at most 500).") var radius: Int?
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await server.withClient { client throws(PodiumError) in
            let reply = try await client.send(.around(board: board, member: member, radius: radius))
            guard !output.json else { return Output.json(reply.json) }
            Formatting.entries(reply.value.entries).print()
        }
    }
}
