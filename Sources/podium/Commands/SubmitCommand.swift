import ArgumentParser
import Foundation
import PodiumAPI
import PodiumClient
import PodiumEngine

/// `podium submit BOARD MEMBER SCORE [--update best|set|incr] [--metadata JSON]`.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Submit a member's score; prints its standing after and before.",
        discussion: """
              podium submit weekly ann 4200
              podium submit weekly 'José' 10 --update incr
              podium submit weekly ann 4300 --metadata '{"name": "Ann", "country": "FR"}'
            """)
    @Argument(help: "The board.") var board: String
    @Argument(help: "The member id (any UTF-8; quote spaces).") var member: String
    @Argument(help: "The score: a finite number.") var score: Double
    @Option(help: "best, set or incr (default: the board's own rule).") var update: UpdatePolicy?
    @Option(help: "Replace the member's metadata: a JSON object of at most 1 KiB.") var metadata: String?
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard score.isFinite else { throw ValidationError("the score must be a finite number") }
        _ = try parsedMetadata()
    }

    private func parsedMetadata() throws -> JSONValue? {
        guard let metadata else { return nil }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(metadata.utf8)), case .object = value else {
            throw ValidationError("--metadata must be a JSON object, as '{\"name\": \"Ann\"}'")
        }
        return value
    }

    func run() async throws {
        let body = SubmitBody(member: member, score: score, update: update, metadata: try parsedMetadata())
        try await server.withClient { client throws(PodiumError) in
            let reply = try await client.send(.submit(board: board, body))
            guard !output.json else { return Output.json(reply.json) }
            Output.line(Self.describe(reply.value))
        }
    }

    /// `ann: 4200, rank 1 (shared 1, percentile 50.0); was 3900 at rank 2`.
    static func describe(_ result: SubmitResultBody) -> String {
        var text: String
        if let score = result.score, let rank = result.rank {
            text = "\(result.member): \(Formatting.score(score)), rank \(rank)"
            if let shared = result.sharedRank, let percentile = result.percentile {
                text += " (shared \(shared), percentile \(Formatting.percentile(percentile)))"
            }
        } else {
            text = "\(result.member): not on the board (it is full and the score is not among the best)"
        }
        if let previousScore = result.previousScore, let previousRank = result.previousRank {
            text += "; was \(Formatting.score(previousScore)) at rank \(previousRank)"
        } else {
            text += "; new"
        }
        if !result.changed { text += "; unchanged, the board kept the better score" }
        if let evicted = result.evicted { text += "; evicted \(evicted)" }
        if let metadata = result.metadata { text += "; metadata \(Formatting.json(metadata))" }
        return text
    }
}
