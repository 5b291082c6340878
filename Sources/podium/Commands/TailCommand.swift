import ArgumentParser
import PodiumAPI
import PodiumClient

/// `podium tail BOARD [--top N] [--members a,b] [--since SEQ]`: live events, one line each.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Print a board's events as they happen, one line each, until interrupted or the board is dropped.",
        discussion: """
              podium tail weekly
              podium tail weekly --top 10 --json
              podium tail weekly --members ann,bob --since 1200
            """)
    @Argument(help: "The board.") var board: String
    @Option(help: "Only changes touching ranks 1...N.") var top: Int?
    @Option(help: "Only changes of these members, comma-separated (and when one is overtaken).") var members: String?
    @Option(help: "Resume after this event seq, from the board's history.") var since: UInt64?
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let members = members.map { $0.split(separator: ",").map(String.init) } ?? []
        try await server.withClient { client throws(PodiumError) in
            let events = try await client.events(board: board, top: top, members: members, since: since)
            do {
                for try await event in events {
                    Output.line(output.json ? event.json : Self.describe(event.message))
                }
            } catch let error as PodiumError {
                throw error
            } catch {
                throw .connection("\(error)")
            }
        }
    }

    /// One event as a line: `#12 score_changed ann 4200 rank 1 (was 3900 at rank 3)`.
    static func describe(_ event: EventMessage) -> String {
        let seq = event.seq.map { "#\($0) " } ?? ""
        let member = event.member ?? ""
        func was(_ score: Double?, _ rank: Int?) -> String {
            guard let score, let rank else { return "new" }
            return "was \(Formatting.score(score)) at rank \(rank)"
        }
        switch event.type {
        case .scoreChanged:
            let score = event.score.map(Formatting.score) ?? "?"
            return "\(seq)score_changed \(member) \(score) rank \(event.rank.map(String.init) ?? "?") (\(was(event.previousScore, event.previousRank)))"
        case .memberRemoved:
            return "\(seq)member_removed \(member) (\(event.reason ?? "removed"); \(was(event.previousScore, event.previousRank)))"
        case .overtaken:
            return "\(seq)overtaken \(member) by \(event.by ?? "?"): rank \(event.rank.map(String.init) ?? "?")"
                + " (was \(event.previousRank.map(String.init) ?? "?"))"
        case .boardReset:
            return "\(seq)board_reset \(event.board): the season is now \(event.board)@\(event.season ?? "?"), the board starts empty"
        case .boardDropped:
            return "\(seq)board_dropped \(event.board)"
        case .lagged:
            return "lagged: missed events \(event.from.map(String.init) ?? "?") to \(event.to.map(String.init) ?? "?")"
        default:
            return "\(seq)\(event.type) \(member)"
        }
    }
}
