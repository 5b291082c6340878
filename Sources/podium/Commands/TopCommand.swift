import ArgumentParser
import PodiumClient

/// `podium top BOARD [--offset N] [--limit N]`.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top", abstract: "A page of a board by rank, best first.",
        discussion: """
              podium top weekly
              podium top weekly --offset 100 --limit 50
            """)
    @Argument(help: "The board.") var board: String
    @Option(help: "How many ranks to skip (0: from the best).") var offset: Int?
    @Option(help: "How many entries (server default 10, at most 1000).") var limit: Int?
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await server.withClient { client throws(PodiumError) in
            let reply = try await client.send(.top(board: board, offset: offset, limit: limit))
            guard !output.json else { return Output.json(reply.json) }
            let page = reply.value
            Formatting.entries(page.entries).print()
            let first = (offset ?? 0) + 1
            Output.line(page.entries.isEmpty ? "no entries here; \(page.total) on the board" : "ranks \(first)-\(first + page.entries.count - 1) of \(page.total)")
        }
    }
}
