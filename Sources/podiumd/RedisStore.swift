import Logging
import PodiumRedis
import PodiumService
import RESPClient
import ServiceLifecycle

/// `--store redis://...`: boards, keys and sessions in Redis or Valkey, shared by every
/// podiumd pointed at it; this podiumd holds nothing but its subscribers.
struct RedisStore {
    let backend: PodiumBackend
    let relay: RedisEventRelay
    let pool: RESPPool

    /// Connections per podiumd: each pipelines, so a few carry many requests.
    static let connections = 8

    init(url: String, caFile: String?, history: Int, limits: EmbeddedEventBus.Limits) throws {
        let configuration = try RESPConfiguration(url: url, caFile: caFile)
        pool = RESPPool(configuration, size: Self.connections)
        relay = RedisEventRelay(configuration: configuration, redis: pool, history: history, limits: limits)
        let pool = pool
        backend = PodiumBackend(
            boards: RedisBoards(redis: pool, relay: relay, history: history), access: RedisAccess(redis: pool), events: relay.bus,
            isReady: { (try? await pool.send(RESPCommand("PING"))) != nil })
    }

    /// Logs whether Redis answers now; podiumd serves either way (503 until it does).
    func check(logger: Logger) async {
        do {
            _ = try await pool.send(RESPCommand("PING"))
            logger.info("store: Redis at \(pool.configuration.host):\(pool.configuration.port)")
        } catch {
            logger.warning("store: Redis at \(pool.configuration.host):\(pool.configuration.port) does not answer yet (\(error)); requests get 503 until it does")
        }
    }
}

/// Relays the boards' events from Redis to this podiumd's subscribers until shutdown.
struct EventRelayService: Service {
    let relay: RedisEventRelay

    func run() async throws {
        await cancelWhenGracefulShutdown { await relay.run() }
    }
}
