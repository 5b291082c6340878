import Hummingbird
import NIOCore
import PodiumService
import Synchronization

/// The request context of every route: Hummingbird's, with Podium's body limit, the
/// client's address and, once authenticated, who is asking.
public struct PodiumRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by the authentication middleware.
    public var principal: Principal?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }


    /// The body limit, 1 MiB unless `podiumd --max-body` sets it at start-up. Process-wide
    /// because Hummingbird builds contexts from the connection alone.
    public static let bodyLimit = Atomic<Int>(1 << 20)

    /// Larger bodies are refused (413, `payload_too_large`) before decoding.
    public var maxUploadSize: Int { Self.bodyLimit.load(ordering: .relaxed) }
}
