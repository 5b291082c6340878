// podium: Podium's admin CLI, on PodiumClient (SPEC section 8).
import ArgumentParser
import Foundation

@main
struct PodiumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podium",
        abstract: "Podium's admin CLI: boards, scores, keys, sessions, persistence, live events, offline checks.",
        discussion: """
            Connects to PODIUM_URL (--url) with the key PODIUM_KEY (--key), trusting the CA in \
            PODIUM_CACERT (--cacert). Without them: https://127.0.0.1:8443 with ./podium-data/admin.key \
            and ./podium-data/tls/ca.pem, what `swift run podiumd` leaves.

            --url, --key, --cacert and --json go before or after the command. --json prints \
            one JSON document: the API's own, or for a delete what was deleted. Exit codes: 0 ok, 1 the server said no (or check \
            found damage), 2 usage error or no connection.

              podium boards create weekly --order desc --update best
              podium submit weekly ann 4200
              podium top weekly --limit 20
            """,
        subcommands: [
            BoardsCommand.self, TopCommand.self, RankCommand.self, AroundCommand.self, CountCommand.self, SubmitCommand.self,
            RemoveCommand.self, KeysCommand.self, SessionsCommand.self, SnapshotCommand.self, CompactCommand.self, StatsCommand.self,
            TailCommand.self, SeasonsCommand.self, CheckCommand.self, BackupCommand.self, RestoreCommand.self,
        ]
    )

    // Declared here too so that they may come before the command (`podium --json stats`):
    // a command's option group of the same type takes the values parsed here.
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    /// ArgumentParser exits 64 on a usage error; SPEC section 8 says 2. Commands report
    /// their own failures and throw the ``ExitCode`` to end with.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }
            Output.error(fullMessage(for: error))
            Foundation.exit(ExitCode.usage.rawValue)
        }
    }
}

extension ExitCode {
    /// The server refused, or `check` found damage.
    static let refused = ExitCode(1)
    /// A usage error, or no usable connection to the server.
    static let usage = ExitCode(2)
}
