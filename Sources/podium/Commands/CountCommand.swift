import ArgumentParser
import PodiumClient
import PodiumEngine

/// `podium count BOARD [--min X] [--max Y]`.
struct CountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count", abstract: "How many members have scores in a range (inclusive; '(' before a bound excludes it).",
        discussion: """
              podium count weekly
              podium count weekly --min 100 --max '(200'
            """)
    @Argument(help: "The board.") var board: String
    @Option(help: "The lowest score: a number, -inf, or (N for more than N.") var min: ScoreBound = .negativeInfinity
    @Option(help: "The highest score: a number, +inf, or (N for less than N.") var max: ScoreBound = .positiveInfinity
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let range = ScoreRange(min: min, max: max)
        try await server.withClient { client throws(PodiumError) in
            let reply = try await client.send(.count(board: board, in: range))
            guard !output.json else { return Output.json(reply.json) }
            Output.line(String(reply.value.count))
        }
    }
}

extension ScoreBound: ExpressibleByArgument {
    /// `-inf`, `+inf`/`inf`, or a number; `(` before it for an exclusive bound.
    public init?(argument: String) {
        var text = Substring(argument.lowercased())
        let exclusive = text.first == "("
        if exclusive { text = text.dropFirst() }
        let value: Double? =
            switch text {
            case "-inf": -.infinity
            case "+inf", "inf": .infinity
            default: Double(text).flatMap { $0.isNaN ? nil : $0 }
            }
        guard let value else { return nil }
        self.init(value, inclusive: !exclusive)
    }

    public var defaultValueDescription: String {
        value == -.infinity ? "-inf" : value == .infinity ? "+inf" : "\(value)"
    }
}
