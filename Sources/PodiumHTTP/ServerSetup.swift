import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOPosix
import NIOSSL

/// How podiumd and `podium-bench http-floor` build their HTTP server, so that the floor
/// measures exactly the framework podiumd runs on.
public enum ServerSetup {
    /// HTTP/1.1 over TLS, or plain HTTP/1.1 when `tls` is nil.
    public static func server(tls: TLSConfiguration?) throws -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        return try .tls(.http1(), tlsConfiguration: tls)
    }

    /// Runs Swift concurrency's tasks on NIO's event loops, so a request's handler resumes on
    /// the thread that read it instead of hopping to the global pool and back.
    /// Call once, before any task starts; returns whether it took over.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
