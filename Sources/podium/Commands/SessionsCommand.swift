import ArgumentParser
import PodiumClient

/// `podium sessions create PLAYER --ttl SECONDS | revoke ID`.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions", abstract: "Open and revoke player sessions.",
        discussion: """
              podium sessions create ann --ttl 3600
              podium sessions revoke 3f2a...
            """,
        subcommands: [Create.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a session for a player; its token is printed this once.", discussion: "  podium sessions create ann --ttl 3600")
        @Argument(help: "The player's id.") var player: String
        @Option(help: "Seconds the session lasts from its last refresh (1 to 2592000).") var ttl: Int64
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await server.withClient { client throws(PodiumError) in
                let reply = try await client.send(.createSession(.init(player: player, ttlSeconds: ttl)))
                guard !output.json else { return Output.json(reply.json) }
                let session = reply.value
                for line in Formatting.fields([("session", session.sessionID), ("player", session.player), ("expires", session.expiresAt)]) {
                    Output.line(line)
                }
                Output.line("its token, shown this once:")
                Output.line(session.token)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a session: its token gets 401 from now on.", discussion: "  podium sessions revoke 3f2a...")
        @Argument(help: "The session id (session_id, not the token).") var id: String
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await server.withClient { client throws(PodiumError) in
                try await client.revokeSession(id: id)
                guard !output.json else { return Output.json(["revoked": id]) }
                Output.line("revoked session '\(id)'")
            }
        }
    }
}
