import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PodiumTestSupport
import Synchronization

/// A bare connection a test opens to podiumd, as a misbehaving client would: plain TCP,
/// or TLS without checking the certificate, with nothing sent unless the test sends it.
/// It remembers when it opened and when it closed (which, until the test closes it, is
/// the server closing it).
final class TestConnection: Sendable {
    let channel: any Channel
    /// When the connection became active, on its event loop: a TLS client sends its first
    /// bytes then. Taken there, not when the test's task resumes, which on a busy machine
    /// can be much later.
    let opened: ContinuousClock.Instant
    private let closedAt: Instants
    /// When the test first sent something, or started TLS.
    private let firstByteAt = Instants()
    private let collector: ReceivedBytes

    /// Keeps what the server sends (inside TLS, on a TLS connection).
    private final class ReceivedBytes: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = Mutex<[UInt8]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLock { $0 += buffer.readableBytesView }
        }
    }

    /// Times taken on the connection's event loop.
    private final class Instants: Sendable {
        let value = Mutex<ContinuousClock.Instant?>(nil)
    }

    /// Notes when the connection becomes active.
    private final class ActiveTimeHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let active: Instants
        init(_ active: Instants) { self.active = active }

        func channelActive(context: ChannelHandlerContext) {
            active.value.withLock { $0 = .now }
            context.fireChannelActive()
        }
    }

    private init(_ channel: any Channel, active: Instants, collector: ReceivedBytes) {
        self.channel = channel
        self.collector = collector
        opened = active.value.withLock { $0 } ?? .now
        let closedAt = Instants()
        self.closedAt = closedAt
        channel.closeFuture.whenComplete { _ in closedAt.value.withLock { $0 = .now } }
    }

    /// A TCP connection to 127.0.0.1:`port` that sends nothing.
    static func tcp(port: Int) async throws -> TestConnection {
        try await connect(port: port, tls: nil)
    }

    /// A TLS connection to 127.0.0.1:`port`: its handshake starts at once.
    static func tls(port: Int, context: NIOSSLContext) async throws -> TestConnection {
        try await connect(port: port, tls: context)
    }

    private static func connect(port: Int, tls: NIOSSLContext?) async throws -> TestConnection {
        let active = Instants()
        let collector = ReceivedBytes()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // First, to see channelActive before the TLS handler sends its hello.
                    try channel.pipeline.syncOperations.addHandler(ActiveTimeHandler(active))
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return TestConnection(channel, active: active, collector: collector)
    }

    /// A TLS client context that trusts any certificate: for connections that only misbehave.
    static func uncheckedTLS() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return try NIOSSLContext(configuration: configuration)
    }

    /// When it closed, if it has.
    var closed: ContinuousClock.Instant? { closedAt.value.withLock { $0 } }
    var isOpen: Bool { closed == nil }
    /// From open to close, if it has closed.
    var lifetime: Duration? { closed.map { $0 - opened } }

    /// From the first byte the test sent (or the start of TLS) to the close, if both happened.
    var lifetimeSinceFirstByte: Duration? {
        guard let closed, let first = firstByteAt.value.withLock({ $0 }) else { return nil }
        return closed - first
    }

    /// Sends `bytes` without waiting for them to be written; nothing if it is closed.
    func send(_ bytes: [UInt8]) {
        firstByteAt.value.withLock { $0 = $0 ?? .now }
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    /// Starts a TLS handshake on the open connection (its hello is its first byte); what
    /// ``send(_:)`` sends from then on goes inside TLS.
    func startTLS(_ context: NIOSSLContext) async throws {
        firstByteAt.value.withLock { $0 = $0 ?? .now }
        try await channel.eventLoop.submit { [channel, collector] in
            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil), position: .before(collector))
        }.get()
    }

    /// What the server has sent so far, as text.
    var received: String { String(decoding: collector.bytes.withLock { $0 }, as: UTF8.self) }

    /// Waits up to `timeout` for `count` responses (status lines) to have arrived; returns
    /// what has.
    func responses(_ count: Int, within timeout: Duration) async -> String {
        let deadline = ContinuousClock.now + timeout
        while received.components(separatedBy: "HTTP/1.1 ").count - 1 < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return received
    }

    /// Whether it closed within `timeout`.
    func closes(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isOpen, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !isOpen
    }

    func close() async {
        try? await channel.close()
    }

    /// `count` connections made by `open`, `concurrency` at a time (the server's listen
    /// queue holds 256: more at once would wait for SYN retries).
    static func open(
        _ count: Int, concurrency: Int = 64, _ open: @escaping @Sendable () async throws -> TestConnection
    ) async throws -> [TestConnection] {
        try await withThrowingTaskGroup(of: TestConnection.self) { group in
            var connections: [TestConnection] = []
            var started = 0
            while started < min(concurrency, count) {
                group.addTask(operation: open)
                started += 1
            }
            while let connection = try await group.next() {
                connections.append(connection)
                if started < count {
                    group.addTask(operation: open)
                    started += 1
                }
            }
            return connections
        }
    }
}

/// An HTTPS client as a well-behaved user runs it, trusting the CA podiumd made, that
/// opens a new connection for every request (`Connection: close`), so that each request
/// goes through accept and the TLS handshake.
struct FreshConnectionClient: Sendable {
    let loop: MultiThreadedEventLoopGroup
    let client: HTTPClient
    let port: Int

    /// On its own event loop (thread), so that its requests do not queue on the client side
    /// behind the test's other connections.
    init(_ server: ServerProcess) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(server.dataDir + "/tls/ca.pem")
        loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        client = HTTPClient(eventLoopGroupProvider: .shared(loop), configuration: .init(tlsConfiguration: tls))
        port = server.port
    }

    /// GETs `path`; returns its status and how long the answer took.
    func get(_ path: String, timeout: Duration = .seconds(5)) async throws -> (status: Int, took: Duration) {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Connection", value: "close")
        let started = ContinuousClock.now
        let response = try await client.execute(request, timeout: TimeAmount(timeout))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), ContinuousClock.now - started)
    }

    func shutdown() async throws {
        try await client.shutdown()
        try await loop.shutdownGracefully()
    }
}
