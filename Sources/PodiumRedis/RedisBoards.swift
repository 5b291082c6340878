import PodiumEngine
import PodiumService
import RESPClient

/// Boards kept in Redis or Valkey, with the engine's exact meaning (``BoardScripts``): so
/// that many podiumd can serve one data set. Each write is one script, atomic on the
/// server, run by its SHA (``RedisScript``). Writes publish their events from the same
/// script (``RedisEventRelay`` brings them back).
///
/// Not on Redis: the memory limit (Redis has its own `maxmemory`). A submit to many boards
/// applies board by board, not all or none: each board is its own slot.
public final class RedisBoards: Sendable {
    let redis: any RESPCommandSender
    let keys: RedisBoardKeys
    let relay: RedisEventRelay?
    /// Events kept per board for `since` (the stream's MAXLEN, approximate).
    let history: Int
    /// Replicas that must hold a write before it is acknowledged (`WAIT`; 0: the master's
    /// answer is enough), and how long to wait for them.
    let replicas: Int
    let replicaTimeout: Duration

    /// Boards on `redis`, under keys starting with `prefix`. `relay`: where this podiumd's
    /// subscribers get the events from (none: subscribing is refused). `replicas`: how many
    /// replicas must hold each write before it is acknowledged (`--store-ack replicas`).
    public init(
        redis: any RESPCommandSender, prefix: String = "podium", relay: RedisEventRelay? = nil, history: Int = 10_000,
        replicas: Int = 0, replicaTimeout: Duration = .seconds(1)
    ) {
        self.redis = redis
        keys = RedisBoardKeys(prefix: prefix)
        self.relay = relay
        self.history = history
        self.replicas = replicas
        self.replicaTimeout = replicaTimeout
    }

    /// Runs `script` (by its SHA, by its text where the server lacks it); the script's own
    /// error replies become service errors.
    func run(
        _ script: RedisScript, keys: [String], arguments: [String], board: String = "", member: String = ""
    ) async throws(ServiceError) -> RESPValue {
        do {
            return try await script.run(on: redis, keys: keys, arguments: arguments)
        } catch {
            throw Self.serviceError(error, board: board, member: member)
        }
    }

    /// Runs a write script as ``run(_:keys:arguments:board:member:)`` does, and when writes
    /// must reach replicas, waits (`WAIT`, on the same connection) until they hold it.
    func write(
        _ script: RedisScript, keys: [String], arguments: [String], board: String = "", member: String = ""
    ) async throws(ServiceError) -> RESPValue {
        guard replicas > 0 else { return try await run(script, keys: keys, arguments: arguments, board: board, member: member) }
        let written: (reply: RESPValue, replicas: Int)
        do {
            written = try await script.run(on: redis, keys: keys, arguments: arguments, thenWaitFor: replicas, timeout: replicaTimeout)
        } catch {
            throw Self.serviceError(error, board: board, member: member)
        }
        guard written.replicas >= replicas else {
            throw .backendUnavailable("the write reached \(written.replicas) of \(replicas) replicas within \(replicaTimeout), so it is not acknowledged")
        }
        return written.reply
    }

    /// Runs `script` once per call, pipelined: one round trip for them all, each answered on
    /// its own. After a `NOSCRIPT` (the server restarted meanwhile), the calls from the
    /// first refused one on run again by the script's text if every one after it was refused
    /// too (so none is applied out of order); otherwise the refused ones fail.
    func runEach(
        _ script: RedisScript, calls: [(keys: [String], arguments: [String])], boards: [String], members: [String]
    ) async throws(ServiceError) -> [Result<RESPValue, ServiceError>] {
        var replies: [RESPValue]
        do {
            replies = try await redis.pipeline(calls.map { script.bySHA(keys: $0.keys, arguments: $0.arguments) })
            if let refused = replies.firstIndex(where: { $0.errorCode == "NOSCRIPT" }), replies[refused...].allSatisfy({ $0.errorCode == "NOSCRIPT" }) {
                replies[refused...] = try await redis.pipeline(calls[refused...].map { script.byText(keys: $0.keys, arguments: $0.arguments) })[...]
            }
        } catch {
            throw Self.serviceError(error, board: boards.first ?? "", member: "")
        }
        return zip(replies, zip(boards, members)).map { reply, names in
            if case let .error(message) = reply { return .failure(Self.serviceError(.server(message), board: names.0, member: names.1)) }
            return .success(reply)
        }
    }

    /// A script's refusal (`ERR CODE details`: Redis 7 adds the `ERR`) as the service's
    /// error; anything else means Redis could not do it now.
    static func serviceError(_ error: RESPError, board: String, member: String) -> ServiceError {
        guard case let .server(message) = error else { return .backendUnavailable("\(error)") }
        var words = message.split(separator: " ")
        if words.first == "ERR" { words.removeFirst() }
        switch words.first {
        case "BOARD_NOT_FOUND": return .boardNotFound(board)
        case "SCORE_OUT_OF_BOUNDS":
            return .scoreOutOfBounds(min: words.dropFirst().first.flatMap { Double($0) }, max: words.dropFirst(2).first.flatMap { Double($0) })
        case "MEMBER_NOT_FOUND": return .memberNotFound(board: board, member: member)
        case "INVALID_SCORE": return .invalidScore
        default: return .backendUnavailable("\(error)")
        }
    }

    func command(_ arguments: [String]) async throws(ServiceError) -> RESPValue {
        do {
            return try await redis.send(RESPCommand(arguments.map { Array($0.utf8) }))
        } catch {
            throw .backendUnavailable("\(error)")
        }
    }

    /// A score as Redis and Lua read it back exactly.
    static func text(_ value: Double) -> String {
        value == 0 ? "0" : "\(value)"
    }
}

/// The keys of a board: all under its `{name}` hash tag, so a board is one cluster slot.
struct RedisBoardKeys: Sendable {
    let prefix: String

    func config(_ board: String) -> String { "\(prefix):{\(board)}:config" }
    func sortedSet(_ board: String) -> String { "\(prefix):{\(board)}:z" }
    func names(_ board: String) -> String { "\(prefix):{\(board)}:names" }
    func meta(_ board: String) -> String { "\(prefix):{\(board)}:meta" }
    func metadata(_ board: String) -> String { "\(prefix):{\(board)}:md" }
    /// The capped stream of the board's events, and the channel they go out on.
    func events(_ board: String) -> String { "\(prefix):{\(board)}:events" }
    /// The board's past seasons, newest first (``BoardScripts/reset``).
    func seasons(_ board: String) -> String { "\(prefix):{\(board)}:seasons" }
    /// The watched members on the board, and how many subscriptions watch each.
    func watched(_ board: String) -> String { "\(prefix):{\(board)}:watchz" }
    func watchers(_ board: String) -> String { "\(prefix):{\(board)}:watch" }
    /// The keys ``BoardScripts/watch`` takes.
    func watching(_ board: String) -> [String] { [config(board), sortedSet(board), names(board), watched(board), watchers(board)] }
    /// What the keys of the board's past seasons start with.
    func seasonPrefix(_ board: String) -> String { "\(prefix):{\(board)}:s:" }
    /// The keys a read script takes for past season `id` of `board`.
    func reading(_ board: String, season id: String) -> [String] {
        let season = seasonPrefix(board) + id
        return [config(board), season + ":z", season + ":names", season + ":md"]
    }
    /// The names of every board (a set): what `GET /v1/boards` lists.
    var boardNames: String { "\(prefix):boards" }
    /// The channel pattern of every board's events.
    var eventPattern: String { "\(prefix):{*}:events" }

    /// The keys every write script takes, in its order.
    func writing(_ board: String) -> [String] {
        [config(board), sortedSet(board), names(board), meta(board), metadata(board), events(board), seasons(board), watched(board), watchers(board)]
    }
    /// The keys every read script takes, in its order.
    func reading(_ board: String) -> [String] { [config(board), sortedSet(board), names(board), metadata(board)] }

    /// The board an event channel belongs to.
    func board(ofChannel channel: String) -> String? {
        guard channel.hasPrefix(prefix + ":{"), channel.hasSuffix("}:events") else { return nil }
        return String(channel.dropFirst(prefix.count + 2).dropLast("}:events".count))
    }
}
