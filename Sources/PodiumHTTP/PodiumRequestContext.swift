import Hummingbird

/// The request context of every route: Hummingbird's, with Podium's body limit.
public struct PodiumRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Bodies larger than 1 MiB are refused (413, `payload_too_large`) before decoding.
    public var maxUploadSize: Int { 1 << 20 }
}
