import Crypto
import RESPClient

/// A Lua script, run by its SHA1 (`EVALSHA`) and, where the server does not have it yet
/// (a new server, a restart, a failover, another node of a cluster), by its text (`EVAL`),
/// which also leaves it cached there. Sent to the node owning its keys, as any command.
struct RedisScript: Sendable {
    let text: String
    let sha: String

    init(_ text: String) {
        self.text = text
        sha = Insecure.SHA1.hash(data: Array(text.utf8)).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }.joined()
    }

    /// Runs the script on `redis` by its SHA, and by its text where the server lacks it.
    func run(on redis: any RESPCommandSender, keys: [String], arguments: [String]) async throws(RESPError) -> RESPValue {
        try await withFallback { command throws(RESPError) in try await redis.send(command(keys, arguments)) }
    }

    /// Runs it as ``run(on:keys:arguments:)`` does, then `WAIT replicas timeout` on the same
    /// connection: its reply, and how many replicas hold its effects.
    func run(
        on redis: any RESPCommandSender, keys: [String], arguments: [String], thenWaitFor replicas: Int, timeout: Duration
    ) async throws(RESPError) -> (reply: RESPValue, replicas: Int) {
        try await withFallback { command throws(RESPError) in
            try await redis.send(command(keys, arguments), thenWaitFor: replicas, timeout: timeout)
        }
    }

    /// `send` with the command by SHA, and again by text after `NOSCRIPT`.
    private func withFallback<Answer>(
        _ send: ((_ keys: [String], _ arguments: [String]) -> RESPCommand) async throws(RESPError) -> Answer
    ) async throws(RESPError) -> Answer {
        do {
            return try await send(bySHA)
        } catch where error.serverCode == "NOSCRIPT" {
            return try await send(byText)
        }
    }

    func bySHA(keys: [String], arguments: [String]) -> RESPCommand { command("EVALSHA", sha, keys, arguments) }
    func byText(keys: [String], arguments: [String]) -> RESPCommand { command("EVAL", text, keys, arguments) }

    private func command(_ name: String, _ script: String, _ keys: [String], _ arguments: [String]) -> RESPCommand {
        RESPCommand(([name, script, String(keys.count)] + keys + arguments).map { Array($0.utf8) })
    }
}
