import Foundation

/// A real `redis-server` on a free port of 127.0.0.1, without persistence, in a temporary
/// directory; `extraArguments` add configuration (`--requirepass`, `--user ...`). Tests that
/// use it need redis-server on the PATH (CI installs Debian's).
public final class RedisServerProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` and `port` change only in start() and stop(),
    // which a test calls while no other task uses this server.
    public let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-test-\(UUID().uuidString)").path
    public private(set) var port = 0
    private var process: ChildProcess?
    private let extraArguments: [String]
    /// Certificate chain and key files: it then listens with TLS only.
    private let tls: (chain: String, key: String)?

    /// Where to listen: a port nobody listens on now, chosen at the first start.
    private let choosePort: @Sendable () -> Int

    public init(
        extraArguments: [String] = [], tls: (chain: String, key: String)? = nil,
        choosingPort choosePort: @escaping @Sendable () -> Int = { ServerProcess.freePort() }
    ) {
        self.extraArguments = extraArguments
        self.tls = tls
        self.choosePort = choosePort
    }

    /// Whether redis-server can be found (a test without it is skipped with a reason).
    public static var isAvailable: Bool { executable != nil }

    private static var executable: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts it and waits until it accepts connections; on the port it had when it is
    /// started again.
    ///
    /// Ready means its own log says so: a port that answers may be another test's server,
    /// which took the port between its choice and this one's bind (this one then exits).
    /// Two tests once shared a server so, and each saw the other's keys. A port chosen
    /// here is then chosen again.
    public func start() async throws {
        guard let executable = Self.executable else { throw TestFailure("redis-server is not installed") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let log = directory + "/redis.log"
        let choosing = port == 0
        for _ in 0..<5 {
            if choosing { port = choosePort() }
            try? FileManager.default.removeItem(atPath: log)
            let listen =
                tls.map { ["--port", "0", "--tls-port", String(port), "--tls-cert-file", $0.chain, "--tls-key-file", $0.key, "--tls-auth-clients", "no"] }
                ?? ["--port", String(port)]
            process = try await ChildProcess.start(
                executable,
                listen + ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--logfile", log] + extraArguments
            )
            if try await becomesReady(log: log) { return }
            guard choosing, process?.ended != nil else { break }
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // One that never said it was ready may still run: it is not left behind.
        await stop()
        throw TestFailure("redis-server did not start on port \(port): \(text.suffix(600))")
    }

    /// Whether the process started last logs that it accepts connections (within 10 s)
    /// before it ends.
    private func becomesReady(log: String) async throws -> Bool {
        for _ in 0..<400 {
            if (try? String(contentsOfFile: log, encoding: .utf8))?.contains("Ready to accept connections") == true { return true }
            if process?.ended != nil { return false }
            try await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    /// Stops it with `signal` (SIGKILL by default) and waits for its end.
    public func stop(signal: Int32 = SIGKILL) async {
        guard let process else { return }
        process.signal(signal)
        _ = await process.wait(timeout: .seconds(20))
        self.process = nil
    }

    public func shutdown() async {
        await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
