import Hummingbird
import HummingbirdWebSocket
import NIOCore
import PodiumService
import Synchronization

/// What authentication needs of a request context: the client's address, and a place for
/// who is asking.
public protocol AuthenticatedRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Set by the authentication middleware.
    var principal: Principal? { get set }
}

/// The request context of every route: Hummingbird's, with Podium's body limit, the
/// client's address and, once authenticated, who is asking.
public struct PodiumRequestContext: AuthenticatedRequestContext {
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

/// The request context of WebSocket upgrades: kept apart from ``PodiumRequestContext`` so
/// that the REST routes do not carry the handler reference an upgrade needs (a lock box
/// allocated with every request).
public struct PodiumWebSocketContext: AuthenticatedRequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var principal: Principal?
    public let webSocket: WebSocketHandlerReference<Self>
    /// The connection, which event streams write to from its event loop once upgraded.
    let channel: any Channel

    public init(source: Source) {
        coreContext = .init(source: source)
        channel = source.channel
        remoteAddress = source.channel.remoteAddress
        webSocket = .init()
    }
}
