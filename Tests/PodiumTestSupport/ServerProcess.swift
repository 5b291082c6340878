import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// A real `podiumd` process on a free port of 127.0.0.1, over a temporary data directory,
/// and an HTTPS client that trusts the CA the server created. `podiumd` is looked for
/// beside the test bundle: a test target that uses this depends on the `podiumd` target.
public final class ServerProcess: @unchecked Sendable {
    // @unchecked Sendable: the mutable state changes only in start(), stop() and
    // shutdown(). The tests never run start() or shutdown() while requests are in flight,
    // and stop(), which may run beside requests, touches only `process`, which
    // requests never read; `extraArguments` is changed by a test only while the server is stopped.
    // HTTPClient is Sendable itself.
    public static let adminKey = "pdk_server-process-test-key"
    public let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("podiumd-test-\(UUID().uuidString)").path
    /// Where the server's stdout and stderr go, every start appended.
    public var logPath: String { dataDir + ".log" }
    public let fsync: String
    public private(set) var process: ChildProcess?
    public private(set) var port = 0
    public private(set) var client: HTTPClient?

    /// Flags added to every start: a test may change them between restarts.
    public var extraArguments: [String]

    public init(fsync: String = "always", extraArguments: [String] = []) {
        self.fsync = fsync
        self.extraArguments = extraArguments
    }

    public static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("podiumd")
    }

    /// Starts podiumd and waits until /readyz answers.
    public func start() async throws {
        port = Self.freePort()
        process = try await ChildProcess.start(
            Self.executable.path,
            ["--data-dir", dataDir, "--listen", "127.0.0.1:\(port)", "--fsync", fsync] + extraArguments,
            environment: ProcessInfo.processInfo.environment.merging(["PODIUM_ADMIN_KEY": Self.adminKey]) { $1 },
            output: .file(logPath), error: .file(logPath)
        )
        for _ in 0..<200 {
            if FileManager.default.fileExists(atPath: dataDir + "/tls/ca.pem") {
                if client == nil {
                    var tls = TLSConfiguration.makeClientConfiguration()
                    tls.trustRoots = .file(dataDir + "/tls/ca.pem")
                    client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                }
                if let response = try? await request("GET", "/readyz", authorized: false), response.status == 200 { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("podiumd did not become ready")
    }

    /// Sends a request with `token` (the admin key unless told), or none unless
    /// `authorized`; returns the status and the body.
    public func request(
        _ method: String, _ path: String, body: String? = nil, authorized: Bool = true, token: String = adminKey
    ) async throws -> (status: Int, body: String) {
        let answer = try await exchange(method, path, body: body, authorized: authorized, token: token)
        return (answer.status, answer.body)
    }

    /// ``request(_:_:body:authorized:token:)`` with the response's header fields, each as
    /// `name: value` with the name lowercased.
    public func exchange(
        _ method: String, _ path: String, body: String? = nil, authorized: Bool = true, token: String = adminKey
    ) async throws -> (status: Int, headers: [String], body: String) {
        guard let client else { throw TestFailure("not started") }
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        if authorized { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(2))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), response.headers.map { "\($0.name.lowercased()): \($0.value)" }, String(buffer: bytes))
    }

    /// Sends `signal` and waits up to a minute for the process to end (then SIGKILLs it);
    /// returns its exit status (the signal's number if a signal ended it), -1 if it would
    /// not end on `signal`.
    @discardableResult
    public func stop(signal: Int32) async -> Int32 {
        guard let process else { return -1 }
        process.signal(signal)
        var ending = await process.wait()
        if ending == nil {
            process.signal(SIGKILL)
            _ = await process.wait(timeout: .seconds(10))
            ending = nil
        }
        self.process = nil
        return ending?.status ?? -1
    }

    public func shutdown() async throws {
        if process != nil { await stop(signal: SIGKILL) }
        try await client?.shutdown()
        client = nil
        try? FileManager.default.removeItem(atPath: dataDir)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    /// A port of 127.0.0.1 nobody listens on now.
    public static func freePort() -> Int {
        bindable(0) ?? 0
    }

    /// The first port the kernel hands out to outgoing connections (Linux's
    /// `ip_local_port_range`; 32768 where it cannot be read).
    public static var ephemeralPortsStart: Int {
        let range = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        return range?.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32_768
    }

    /// A port of `range` nobody listens on now, with `port + offset` free too (a Redis
    /// Cluster node's bus listens 10000 above it).
    public static func freePort(in range: Range<Int>, alsoFree offset: Int) -> Int {
        for _ in 0..<1000 {
            let port = Int.random(in: range)
            if bindable(port) != nil, bindable(port + offset) != nil { return port }
        }
        return range.lowerBound
    }

    /// `port` (0: any) if it can be bound on 127.0.0.1 now, as bound.
    private static func bindable(_ port: Int) -> Int? {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        guard bound == 0 else { return nil }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
