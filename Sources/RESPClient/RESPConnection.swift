import NIOCore
import NIOPosix
import NIOSSL

/// One connection to Redis or Valkey. Commands may be sent from any task at once: they go
/// out in the order sent and their replies come back in that order (pipelining), so many
/// in flight cost one round trip. It opens with `HELLO 3` (RESP3, with `AUTH` when a
/// password is set) and falls back to RESP2 (`AUTH`, then `SELECT`) on a server without
/// `HELLO`.
public final class RESPConnection: Sendable {
    private let channel: any Channel
    /// 3 after a successful `HELLO 3`, 2 on an older server.
    public let protocolVersion: Int

    private init(channel: any Channel, protocolVersion: Int) {
        self.channel = channel
        self.protocolVersion = protocolVersion
    }

    /// Connects and says hello. Throws ``RESPError/unreachable(_:)`` when the server
    /// cannot be reached and ``RESPError/server(_:)`` when it refuses the credentials.
    /// `onPush` gets the push messages (pub/sub), on the connection's event loop.
    public static func connect(
        _ configuration: RESPConfiguration, parser: RESPParser = RESPParser(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, onPush: (@Sendable (RESPValue) -> Void)? = nil
    ) async throws(RESPError) -> RESPConnection {
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(configuration.connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls = configuration.tls {
                            let context = try NIOSSLContext(configuration: tls)
                            // An IP address is no name to send (SNI): the certificate is then
                            // checked against the address connected to.
                            let isAddress = (try? SocketAddress(ipAddress: configuration.host, port: 0)) != nil
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : configuration.host))
                        }
                        try channel.pipeline.syncOperations.addHandler(RESPHandler(parser: parser, timeout: configuration.commandTimeout, onPush: onPush))
                    }
                }
                .connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw .unreachable("cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        do {
            let version = try await handshake(channel, configuration)
            return RESPConnection(channel: channel, protocolVersion: version)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private static func handshake(_ channel: any Channel, _ configuration: RESPConfiguration) async throws(RESPError) -> Int {
        var hello = RESPCommand("HELLO", "3")
        if let password = configuration.password {
            hello.arguments += [Array("AUTH".utf8), Array((configuration.username ?? "default").utf8), Array(password.utf8)]
        }
        var version = 3
        do {
            _ = try await send(hello, on: channel).throwingServerError()
        } catch let error where error.serverCode == "ERR" || error.serverCode == "NOPROTO" {
            // No HELLO (before Redis 6) or no RESP3: RESP2, with AUTH on its own.
            version = 2
            if let password = configuration.password {
                let auth = configuration.username.map { RESPCommand("AUTH", $0, password) } ?? RESPCommand("AUTH", password)
                _ = try await send(auth, on: channel).throwingServerError()
            }
        }
        if configuration.database != 0 {
            _ = try await send(RESPCommand("SELECT", String(configuration.database)), on: channel).throwingServerError()
        }
        return version
    }

    /// Sends `command` and returns its reply; an error reply throws ``RESPError/server(_:)``.
    public func send(_ command: RESPCommand) async throws(RESPError) -> RESPValue {
        try await Self.send(command, on: channel).throwingServerError()
    }

    /// Sends every command in one write and returns their replies in order, error replies
    /// as ``RESPValue/error(_:)`` values (one failing command does not fail the others).
    public func pipeline(_ commands: [RESPCommand]) async throws(RESPError) -> [RESPValue] {
        let replies = commands.map { command in
            let promise = channel.eventLoop.makePromise(of: RESPValue.self)
            channel.write(RESPRequest(command: command, reply: promise)).whenFailure { promise.fail(Self.closed($0)) }
            return promise.futureResult
        }
        channel.flush()
        var values: [RESPValue] = []
        values.reserveCapacity(replies.count)
        for reply in replies { values.append(try await Self.wait(reply)) }
        return values
    }

    /// Sends a command answered by push messages only (`SUBSCRIBE`, `PSUBSCRIBE` on a
    /// connection opened with `onPush`): its confirmations arrive there.
    public func sendForPushes(_ command: RESPCommand) async throws(RESPError) {
        do {
            try await channel.writeAndFlush(RESPRequest(command: command, reply: nil))
        } catch {
            throw Self.closed(error)
        }
    }

    /// Whether the connection is still open (a failure or timeout closes it).
    public var isOpen: Bool { channel.isActive }

    /// Returns once the connection has closed, whoever closed it.
    public func closed() async {
        try? await channel.closeFuture.get()
    }

    public func close() async {
        try? await channel.close()
    }

    private static func send(_ command: RESPCommand, on channel: any Channel) async throws(RESPError) -> RESPValue {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        // A write to a closed channel never reaches the handler: its failure fails the reply.
        channel.writeAndFlush(RESPRequest(command: command, reply: promise)).whenFailure { promise.fail(closed($0)) }
        return try await wait(promise.futureResult)
    }

    private static func closed(_ error: any Error) -> RESPError {
        error as? RESPError ?? .connectionClosed("\(error)")
    }

    private static func wait(_ reply: EventLoopFuture<RESPValue>) async throws(RESPError) -> RESPValue {
        do {
            return try await reply.get()
        } catch let error as RESPError {
            throw error
        } catch {
            throw .connectionClosed("\(error)")
        }
    }
}

extension RESPValue {
    /// The value, unless it is an error reply, which it throws.
    func throwingServerError() throws(RESPError) -> RESPValue {
        if case let .error(message) = self { throw .server(message) }
        return self
    }
}
