import ArgumentParser
import Foundation
import PodiumClient
import PodiumEncryption

/// Which server to talk to, and as whom: flags, then the environment, then what
/// `swift run podiumd` leaves in ./podium-data.
struct ServerOptions: ParsableArguments {
    static let defaultURL = "https://127.0.0.1:8443"
    static let defaultKeyFile = "./podium-data/admin.key"
    static let defaultCAFile = "./podium-data/tls/ca.pem"

    @Option(help: "The server (PODIUM_URL; default https://127.0.0.1:8443).")
    var url: String?
    @Option(help: "The API key (PODIUM_KEY; default the key in ./podium-data/admin.key).")
    var key: String?
    @Option(name: .customLong("cacert"), help: "A PEM CA file to trust (PODIUM_CACERT; default ./podium-data/tls/ca.pem if it exists).")
    var caFile: String?

    func makeClient() throws(PodiumError) -> PodiumClient {
        let environment = ProcessInfo.processInfo.environment
        func setting(_ flag: String?, _ variable: String) -> String? {
            flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        let key = setting(key, "PODIUM_KEY") ?? Self.readKeyFile()
        let caFile = setting(caFile, "PODIUM_CACERT") ?? (FileManager.default.fileExists(atPath: Self.defaultCAFile) ? Self.defaultCAFile : nil)
        return try PodiumClient(url: setting(url, "PODIUM_URL") ?? Self.defaultURL, key: key, caFile: caFile)
    }

    private static func readKeyFile() -> String? {
        guard let data = FileManager.default.contents(atPath: defaultKeyFile) else { return nil }
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return key.isEmpty ? nil : key
    }

    /// Runs `body` with a client, then closes it. A failure is reported as one line on
    /// stderr and ends the command: exit 1 when the server said no, 2 otherwise.
    func withClient(_ body: (PodiumClient) async throws(PodiumError) -> Void) async throws {
        let client: PodiumClient
        do {
            client = try makeClient()
        } catch {
            Output.error(error.description)
            throw ExitCode.usage
        }
        var failure: PodiumError?
        do {
            try await body(client)
        } catch {
            failure = error
        }
        try? await client.shutdown()
        guard let failure else { return }
        Output.error(failure.description)
        if case .server = failure { throw ExitCode.refused }
        throw ExitCode.usage
    }
}

/// `--json`: one JSON document instead of tables (one a line for `tail`).
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON document (the API's own where it answers one; for tail, one a line) instead of tables.")
    var json = false
}

/// The keys of an encrypted data directory or backup, for the offline commands (`check`,
/// `restore`, `backup --decrypt`): the same files podiumd is given.
struct KeyOptions: ParsableArguments {
    @Option(help: "The key file podiumd encrypts with (--encryption-key-file); needed to read encrypted files.")
    var encryptionKeyFile: String?
    @Option(help: "A previous key file, for files not yet rewritten under the new key (repeatable).")
    var previousKeyFile: [String] = []

    /// The keyring, or a one-line error and exit 2 for a key file that is refused.
    func keyring() throws -> AtRestKeyring {
        do {
            return try AtRestKeyring(keyFile: encryptionKeyFile, previousKeyFiles: previousKeyFile)
        } catch {
            Output.error(error.description)
            throw ExitCode.usage
        }
    }
}
