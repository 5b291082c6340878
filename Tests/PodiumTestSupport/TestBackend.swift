import Foundation
import PodiumRedis
import PodiumService
import PodiumStorage
import RESPClient
import Testing

/// The two backends the HTTP layer serves from: route tests run on each. The Redis one is a
/// real redis-server on loopback (skipped, with the reason, where none is installed).
public enum TestBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case embedded
    case redis

    public var testDescription: String { rawValue }

    /// The backends this machine can run.
    public static var available: [TestBackend] { RedisServerProcess.isAvailable ? allCases : [.embedded] }

    /// Runs `body` on a fresh, empty backend of this kind whose bootstrap admin key is
    /// `adminKey`, then tears it down. `clock` tells credentials the time; `eventLimits` bound
    /// its event bus.
    public func run(
        adminKey: String, clock: @escaping AccessRegistry.Clock = AccessRegistry.systemClock,
        eventLimits: EmbeddedEventBus.Limits = EmbeddedEventBus.Limits(),
        _ body: @Sendable (PodiumBackend) async throws -> Void
    ) async throws {
        switch self {
        case .embedded:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("podium-http-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let (store, boards, _) = try DurableStore.open(path: path, policy: .no)
            defer { try? store.close() }
            let podium = Podium(store: store, recovered: boards, events: EmbeddedEventBus(limits: eventLimits), clock: clock)
            podium.access.installBootstrapKey(tokenHash: Token.hash(adminKey))
            try await body(PodiumBackend(podium))
        case .redis:
            let server = RedisServerProcess()
            try await server.start()
            let configuration = RESPConfiguration(host: "127.0.0.1", port: server.port)
            let pool = RESPPool(configuration)
            let relay = RedisEventRelay(listenTo: [configuration], redis: pool, limits: eventLimits)
            let relaying = Task { await relay.run() }
            let access = RedisAccess(redis: pool, clock: clock)
            access.installBootstrapKey(tokenHash: Token.hash(adminKey))
            let backend = PodiumBackend(
                boards: RedisBoards(redis: pool, relay: relay), access: access, events: relay.bus,
                isReady: { (try? await pool.send(RESPCommand("PING"))) != nil })
            do {
                try await body(backend)
            } catch {
                relaying.cancel()
                await pool.close()
                await server.shutdown()
                throw error
            }
            relaying.cancel()
            await pool.close()
            await server.shutdown()
        }
    }
}
