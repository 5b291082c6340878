/// What the HTTP layer serves from: the boards, the credentials and this podiumd's event
/// bus, in this process (``Podium``, the embedded store) or in Redis. What only the
/// embedded store has (snapshots, backups, its log's counters) is reached through
/// ``embedded(for:)``, which refuses on Redis with ``ServiceError/embeddedOnly(_:)``.
public struct PodiumBackend: Sendable {
    public let boards: any BoardStore
    public let access: any AccessStore
    /// This podiumd's subscribers, for metrics.
    public let events: any EventBus
    private let podium: Podium?
    private let readiness: @Sendable () async -> Bool

    /// The embedded store.
    public init(_ podium: Podium) {
        boards = podium.boards
        access = podium.access
        events = podium.events
        self.podium = podium
        readiness = { podium.isHealthy }
    }

    /// A shared backend: `isReady` tells whether it answers now.
    public init(boards: any BoardStore, access: any AccessStore, events: any EventBus, isReady: @escaping @Sendable () async -> Bool) {
        self.boards = boards
        self.access = access
        self.events = events
        podium = nil
        readiness = isReady
    }

    /// Whether requests can be served: the embedded log has not failed, or Redis answers.
    public func isReady() async -> Bool { await readiness() }

    /// The embedded service, for `action`; refused on a shared backend.
    public func embedded(for action: String) throws(ServiceError) -> Podium {
        guard let podium else { throw .embeddedOnly(action) }
        return podium
    }

    /// The embedded service, if that is what this is.
    public var embeddedPodium: Podium? { podium }
}
