import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// How podiumd and `podium-bench http-floor` build their HTTP server, so that the floor
/// measures exactly the framework podiumd runs on.
public enum ServerSetup {
    /// HTTP/1.1 over TLS, or plain HTTP/1.1 when `tls` is nil.
    public static func server(tls: TLSConfiguration?) throws -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        return try .tls(.http1(), tlsConfiguration: tls)
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
