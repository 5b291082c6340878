import ArgumentParser
import PodiumAPI
import PodiumClient
import PodiumEngine

/// `podium boards list|create|show|delete`.
struct BoardsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boards", abstract: "List, create, show and drop boards.",
        discussion: """
              podium boards create weekly --order desc --update best
              podium boards list
              podium boards show weekly
              podium boards delete weekly
            """,
        subcommands: [List.self, Create.self, Show.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every board.", discussion: "  podium boards list")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await server.withClient { client throws(PodiumError) in
                let reply = try await client.send(.listBoards())
                guard !output.json else { return Output.json(reply.json) }
                var table = TableOutput([
                    .text("NAME"), .text("ORDER"), .text("UPDATE"), .text("TIE-BREAK"), .number("MAX-SIZE"), .text("PLAYER-SUBMIT"),
                    .number("SIZE"),
                ])
                for board in reply.value.boards {
                    table.append([
                        board.name, board.order.rawValue, board.update.rawValue, board.tieBreak.rawValue, board.maxSize.map(String.init) ?? "-",
                        board.playerSubmit ? "yes" : "no", String(board.size),
                    ])
                }
                table.print()
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a board (nothing changes if it exists with the same config).",
            discussion: """
                  podium boards create weekly --order desc --update best --max-size 1000
                  podium boards create daily --reset daily --reset-at 04:00 --timezone Europe/Paris --keep 7
                """)
        @Argument(help: "The board's name: 1-64 of A-Z a-z 0-9 _ . -") var name: String
        @Option(help: "desc (higher is better) or asc (lower is better, as race times).") var order: ScoreOrder?
        @Option(help: "best (keep the better), set (replace) or incr (add).") var update: UpdatePolicy?
        @Option(help: "earliest (who got there first ranks higher) or member (byte order of ids).") var tieBreak: TieBreak?
        @Option(help: "Keep only the best N members.") var maxSize: Int?
        @Flag(help: "Let players submit their own scores with their session token.") var playerSubmit = false
        @Option(help: "Refuse a submit asking for a lower score (for incr, a lower total).") var minScore: Double?
        @Option(help: "Refuse a submit asking for a higher score (for incr, a higher total).") var maxScore: Double?
        @Option(help: "Seasons: daily, weekly (Mondays) or monthly, the live board archived as board@season and emptied.")
        var reset: ResetPeriod?
        @Option(help: "The local time seasons end at, HH:MM (default 00:00).") var resetAt: String?
        @Option(help: "The IANA time zone of --reset-at (default UTC).") var timezone: String?
        @Option(help: "How many past seasons to keep (default 10).") var keep: Int?
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if reset == nil, resetAt != nil || timezone != nil || keep != nil {
                throw ValidationError("--reset-at, --timezone and --keep go with --reset")
            }
        }

        func run() async throws {
            let config = BoardConfigBody(
                order: order, update: update, tieBreak: tieBreak, maxSize: maxSize, playerSubmit: playerSubmit ? true : nil,
                minScore: minScore, maxScore: maxScore, reset: reset.map { ResetBody(every: $0, at: resetAt, timezone: timezone, keep: keep) })
            try await server.withClient { client throws(PodiumError) in
                let reply = try await client.send(.createBoard(name, config: config))
                guard !output.json else { return Output.json(reply.json) }
                Output.line(reply.status == 201 ? "created board '\(name)'" : "board '\(name)' already exists with this config")
                Show.describe(reply.value)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a board's config and size.", discussion: "  podium boards show weekly")
        @Argument(help: "The board.") var name: String
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await server.withClient { client throws(PodiumError) in
                let reply = try await client.send(.board(name))
                guard !output.json else { return Output.json(reply.json) }
                Self.describe(reply.value)
            }
        }

        static func describe(_ board: BoardBody) {
            let lines = Formatting.fields([
                ("name", board.name), ("order", board.order.rawValue), ("update", board.update.rawValue), ("tie_break", board.tieBreak.rawValue),
                ("max_size", board.maxSize.map(String.init) ?? "none"), ("player_submit", board.playerSubmit ? "yes" : "no"),
                ("min_score", board.minScore.map(Formatting.score) ?? "none"), ("max_score", board.maxScore.map(Formatting.score) ?? "none"),
                ("reset", board.reset.map { "\($0.every.rawValue) at \($0.at ?? "00:00") \($0.timezone ?? "UTC"), keep \($0.keep ?? 10)" } ?? "none"),
                ("next_reset", board.nextReset ?? "none"), ("size", String(board.size)),
            ])
            for line in lines { Output.line(line) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop a board and every entry on it.", discussion: "  podium boards delete weekly")
        @Argument(help: "The board.") var name: String
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await server.withClient { client throws(PodiumError) in
                try await client.dropBoard(name)
                guard !output.json else { return Output.json(["dropped": name]) }
                Output.line("dropped board '\(name)'")
            }
        }
    }
}

extension ScoreOrder: ExpressibleByArgument {}
extension UpdatePolicy: ExpressibleByArgument {}
extension TieBreak: ExpressibleByArgument {}
extension ResetPeriod: ExpressibleByArgument {}
