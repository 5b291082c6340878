import ArgumentParser
import PodiumClient

/// `podium remove BOARD MEMBER`.
struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a member from a board.", discussion: "  podium remove weekly ann")
    @Argument(help: "The board.") var board: String
    @Argument(help: "The member id.") var member: String
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await server.withClient { client throws(PodiumError) in
            try await client.removeMember(board: board, member: member)
            guard !output.json else { return Output.json(["removed": member, "board": board]) }
            Output.line("removed '\(member)' from '\(board)'")
        }
    }
}
