import ArgumentParser
import PodiumAPI
import PodiumClient

/// `podium seasons BOARD [--reset]`: a board's past seasons, or end its season now.
struct SeasonsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seasons", abstract: "List a board's past seasons (newest first), or end its live season now.",
        discussion: """
            A past season reads as board BOARD@ID in every read command.

              podium seasons daily
              podium top daily@2026-12-01
              podium seasons daily --reset
            """)
    @Argument(help: "The board.") var board: String
    @Flag(help: "Archive the live board as a past season now and start it empty (admin).") var reset = false
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await server.withClient { client throws(PodiumError) in
            if reset {
                let reply = try await client.send(.resetBoard(board))
                guard !output.json else { return Output.json(reply.json) }
                let season = reply.value
                Output.line("board '\(board)' reset: its season is now \(board)@\(season.id) (\(season.size) members)")
                return
            }
            let reply = try await client.send(.seasons(board))
            guard !output.json else { return Output.json(reply.json) }
            var table = TableOutput([.text("SEASON"), .text("FROM"), .text("TO"), .number("SIZE")])
            for season in reply.value.seasons {
                table.append(["\(board)@\(season.id)", season.from ?? "-", season.to, String(season.size)])
            }
            table.print()
        }
    }
}
