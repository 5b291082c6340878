import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import NIOSSL

/// How podiumd and `podium-bench http-floor` build their HTTP server, so that the floor
/// measures exactly the framework podiumd runs on.
public enum ServerSetup {
    /// HTTP/1.1 that upgrades to a WebSocket where `webSocketRouter` accepts the request,
    /// over TLS, or plain when `tls` is nil. WebSockets ping every 30 s and close a
    /// connection that stops answering.
    public static func server<WebSocketRouter: HTTPResponderBuilder>(
        tls: TLSConfiguration?, webSocketRouter: WebSocketRouter
    ) throws -> HTTPServerBuilder where WebSocketRouter.Responder.Context == PodiumWebSocketContext {
        let http = HTTPServerBuilder.http1WebSocketUpgrade(
            webSocketRouter: webSocketRouter, configuration: .init(autoPing: .enabled(timePeriod: .seconds(30))))
        guard let tls else { return http }
        return try .tls(http, tlsConfiguration: tls)
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
