import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import NIOCore
import NIOSSL

/// How podiumd and `podium-bench http-floor` build their HTTP server, so that the floor
/// measures exactly the framework podiumd runs on.
public enum ServerSetup {
    /// HTTP/1.1 that upgrades to a WebSocket where `webSocketRouter` accepts the request,
    /// over TLS, or plain when `tls` is nil, with `limits` on every connection (see
    /// ``ConnectionLimits``). WebSockets ping every 30 s and close a connection that stops
    /// answering. `hotRoutes` makes each connection's handlers that answer requests before
    /// Hummingbird (``HotRoutes``).
    public static func server(
        tls: TLSConfiguration?, webSocketRouter: Router<PodiumWebSocketContext>, limits: ConnectionLimits = ConnectionLimits(),
        hotRoutes: @escaping @Sendable () -> [any RemovableChannelHandler] = { [] }
    ) throws -> HTTPServerBuilder {
        // No idle timeout of Hummingbird's: ``RequestTimer`` has every timeout, as it sees
        // every request, those `hotRoutes` answer before Hummingbird included.
        var http1 = HTTP1Channel.Configuration(additionalChannelHandlers: hotRoutes(), idleTimeout: nil)
        http1.httpDecoder = .init(maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes)
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(http1: http1, ws: .init(autoPing: .enabled(timePeriod: .seconds(30))))
        let webSocketResponder = webSocketRouter.buildResponder()
        // One count of open connections for the whole server, whichever event loop accepts.
        let cap = ConnectionCap(maximum: limits.maxConnections)
        return HTTPServerBuilder { responder in
            let http = HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: configuration)
            guard let tls else { return LimitedChannel(base: http, limits: limits, cap: cap) }
            return LimitedChannel(base: try TLSChannel(http, tlsConfiguration: tls), limits: limits, cap: cap)
        }
    }
}

/// HOST:PORT, as `--listen` takes it.
public struct ListenAddress: Sendable {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port),
            colon != text.startIndex
        else { return nil }
        host = String(text[..<colon])
        self.port = port
    }
}
