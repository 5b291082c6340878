import ArgumentParser
import PodiumAPI
import PodiumClient

/// `podium keys create NAME --role admin|server | list | revoke NAME`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke API keys.",
        discussion: """
              podium keys create game-backend --role server
              podium keys list
              podium keys revoke game-backend
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key; its secret is printed this once.", discussion: "  podium keys create game-backend --role server")
        @Argument(help: "The key's name: 1-64 of A-Z a-z 0-9 _ . -") var name: String
        @Option(help: "admin (everything) or server (scores, sessions, reads).") var role: KeyRole
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await server.withClient { client throws(PodiumError) in
                let reply = try await client.send(.createKey(name: name, role: role))
                guard !output.json else { return Output.json(reply.json) }
                Output.line("created key '\(reply.value.name)' (\(reply.value.role.rawValue)); its secret, shown this once:")
                Output.line(reply.value.key ?? "")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys (never their secrets).", discussion: "  podium keys list")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await server.withClient { client throws(PodiumError) in
                let reply = try await client.send(.listKeys())
                guard !output.json else { return Output.json(reply.json) }
                var table = TableOutput([.text("NAME"), .text("ROLE"), .text("CREATED"), .text("BOOTSTRAP")])
                for key in reply.value.keys {
                    table.append([key.name, key.role.rawValue, key.createdAt, key.bootstrap ? "yes" : "no"])
                }
                table.print()
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it gets 401 from now on.", discussion: "  podium keys revoke game-backend")
        @Argument(help: "The key's name.") var name: String
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await server.withClient { client throws(PodiumError) in
                try await client.revokeKey(name: name)
                guard !output.json else { return Output.json(["revoked": name]) }
                Output.line("revoked key '\(name)'")
            }
        }
    }
}

extension KeyRole: ExpressibleByArgument {}
