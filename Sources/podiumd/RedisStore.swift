import Logging
import PodiumRedis
import PodiumService
import RESPClient
import ServiceLifecycle

/// `--store redis://...` or `redis+cluster://...`: boards, keys and sessions in Redis or
/// Valkey, shared by every podiumd pointed at it; this podiumd holds nothing but its
/// subscribers.
struct RedisStore {
    let backend: PodiumBackend
    let boards: RedisBoards
    let relay: RedisEventRelay
    let redis: any RESPCommandSender
    let describe: String

    /// Connections per podiumd (per node of a cluster): each pipelines, so a few carry many
    /// requests.
    static let connections = 8

    /// `replicas`: how many replicas must hold a write before it is acknowledged.
    init(url: String, caFile: String?, replicas: Int, history: Int, limits: EmbeddedEventBus.Limits) throws {
        let listenTo: [RESPConfiguration]
        if url.contains("+cluster://") {
            let cluster = try RESPCluster(url: url, caFile: caFile, connectionsPerNode: Self.connections / 2)
            redis = cluster
            listenTo = cluster.seeds.map(cluster.configuration(of:))
            describe = "Redis Cluster via \(cluster.seeds.map(\.description).joined(separator: ","))"
        } else {
            let configuration = try RESPConfiguration(url: url, caFile: caFile)
            redis = RESPPool(configuration, size: Self.connections)
            listenTo = [configuration]
            describe = "Redis at \(configuration.host):\(configuration.port)"
        }
        relay = RedisEventRelay(listenTo: listenTo, redis: redis, history: history, limits: limits)
        let redis = redis
        boards = RedisBoards(redis: redis, relay: relay, history: history, replicas: replicas)
        backend = PodiumBackend(
            boards: boards, access: RedisAccess(redis: redis),
            events: relay.bus, isReady: { (try? await redis.send(RESPCommand("PING"))) != nil })
    }

    /// Logs whether Redis answers now; podiumd serves either way (503 until it does).
    func check(logger: Logger) async {
        do {
            _ = try await redis.send(RESPCommand("PING"))
            logger.info("store: \(describe)")
        } catch {
            logger.warning("store: \(describe) does not answer yet (\(error)); requests get 503 until it does")
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

/// Ends the seasons of boards whose schedule's boundary passed, once a second. Every podiumd
/// runs one; each boundary resets once (``RedisBoards/resetDueBoards(now:)``).
struct RedisSeasonScheduler: Service {
    let boards: RedisBoards
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                for board in try await boards.resetDueBoards(now: AccessRegistry.systemClock()) {
                    logger.info("board '\(board)': season ended, the live board starts empty")
                }
            } catch {
                logger.warning("season schedule: \(error)")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
