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

    /// `port`: where to listen (0: a free port chosen at start).
    public init(extraArguments: [String] = [], tls: (chain: String, key: String)? = nil, port: Int = 0) {
        self.extraArguments = extraArguments
        self.tls = tls
        self.port = port
    }

    /// Whether redis-server can be found (a test without it is skipped with a reason).
    public static var isAvailable: Bool { executable != nil }

    private static var executable: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts it and waits until it accepts connections.
    public func start() async throws {
        guard let executable = Self.executable else { throw TestFailure("redis-server is not installed") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if port == 0 { port = ServerProcess.freePort() }
        let listen =
            tls.map { ["--port", "0", "--tls-port", String(port), "--tls-cert-file", $0.chain, "--tls-key-file", $0.key, "--tls-auth-clients", "no"] }
            ?? ["--port", String(port)]
        process = try await ChildProcess.start(
            executable,
            listen + ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--logfile", directory + "/redis.log"]
                + extraArguments
        )
        for _ in 0..<400 {
            if let socket = try? Self.connect(port: port) {
                close(socket)
                return
            }
            if process?.ended != nil { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        let log = (try? String(contentsOfFile: directory + "/redis.log", encoding: .utf8)) ?? ""
        throw TestFailure("redis-server did not start on port \(port): \(log.suffix(600))")
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

    private static func connect(port: Int) throws -> Int32 {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(socket)
            throw TestFailure("not listening")
        }
        return socket
    }
}
