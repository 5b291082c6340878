import Hummingbird
import Synchronization

/// The request context of every route: Hummingbird's, with Podium's body limit.
public struct PodiumRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The body limit, 1 MiB unless `podiumd --max-body` sets it at start-up. Process-wide
    /// because Hummingbird builds contexts from the connection alone.
    public static let bodyLimit = Atomic<Int>(1 << 20)

    /// Larger bodies are refused (413, `payload_too_large`) before decoding.
    public var maxUploadSize: Int { Self.bodyLimit.load(ordering: .relaxed) }
}
