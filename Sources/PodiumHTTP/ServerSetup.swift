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
