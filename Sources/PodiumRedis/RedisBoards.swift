import PodiumEngine
import PodiumService
import RESPClient
import Synchronization

/// Boards kept in Redis or Valkey, with the engine's exact meaning (``BoardScripts``): so
/// that many podiumd can serve one data set. Each write is one script, atomic on the
/// server; scripts are sent once (`SCRIPT LOAD`) and run by their SHA (`EVALSHA`), sent
/// again when the server has forgotten them (`NOSCRIPT`, after a restart or a failover).
/// Writes publish their events from the same script (``RedisEventRelay`` brings them back).
///
/// Not on Redis (yet): seasons (a board with a reset schedule is refused) and the memory
/// limit (Redis has its own `maxmemory`). A submit to many boards applies board by board,
/// not all or none: each board is its own slot.
public final class RedisBoards: Sendable {
    let redis: any RESPCommandSender
    let keys: RedisBoardKeys
    let relay: RedisEventRelay?
    /// Events kept per board for `since` (the stream's MAXLEN, approximate).
    let history: Int
    /// Script text -> SHA1, once loaded.
    private let loaded = Mutex<[String: String]>([:])

    /// Boards on `redis`, under keys starting with `prefix`. `relay`: where this podiumd's
    /// subscribers get the events from (none: subscribing is refused).
    public init(redis: any RESPCommandSender, prefix: String = "podium", relay: RedisEventRelay? = nil, history: Int = 10_000) {
        self.redis = redis
        keys = RedisBoardKeys(prefix: prefix)
        self.relay = relay
        self.history = history
    }

    /// Runs `script` by its SHA, loading it first (and again after `NOSCRIPT`); the
    /// script's own error replies become service errors.
    func run(
        _ script: String, keys: [String], arguments: [String], board: String = "", member: String = ""
    ) async throws(ServiceError) -> RESPValue {
        for _ in 0..<2 {
            let sha = try await sha(of: script)
            do {
                return try await redis.send(Self.evalSHA(sha, keys: keys, arguments: arguments))
            } catch {
                if error.serverCode == "NOSCRIPT" {
                    loaded.withLock { $0[script] = nil }
                    continue
                }
                throw Self.serviceError(error, board: board, member: member)
            }
        }
        throw .backendUnavailable("Redis forgot the script twice")
    }

    /// Runs `script` once per argument list, pipelined: one round trip for them all, each
    /// answered on its own. A `NOSCRIPT` (the server restarted meanwhile) reloads the script
    /// and runs again the calls from the first refused one on, if every one after it was
    /// refused too (so none is applied out of order); otherwise the refused ones fail.
    func runEach(
        _ script: String, calls: [(keys: [String], arguments: [String])], boards: [String], members: [String]
    ) async throws(ServiceError) -> [Result<RESPValue, ServiceError>] {
        var results: [Result<RESPValue, ServiceError>] = []
        var pending = calls.indices[...]
        for _ in 0..<2 where !pending.isEmpty {
            let sha = try await sha(of: script)
            let replies: [RESPValue]
            do {
                replies = try await redis.pipeline(pending.map { Self.evalSHA(sha, keys: calls[$0].keys, arguments: calls[$0].arguments) })
            } catch {
                throw Self.serviceError(error, board: "", member: "")
            }
            let refused = replies.firstIndex { $0.errorCode == "NOSCRIPT" }
            let retry = refused.map { first in replies[first...].allSatisfy { $0.errorCode == "NOSCRIPT" } } ?? false
            for (index, reply) in zip(pending, replies) {
                if retry, let refused, index >= pending.startIndex + refused { break }
                if case let .error(message) = reply {
                    results.append(.failure(Self.serviceError(.server(message), board: boards[index], member: members[index])))
                } else {
                    results.append(.success(reply))
                }
            }
            guard retry, let refused else { return results }
            loaded.withLock { $0[script] = nil }
            pending = pending.dropFirst(refused)
        }
        while results.count < calls.count { results.append(.failure(.backendUnavailable("Redis forgot the script twice"))) }
        return results
    }

    private func sha(of script: String) async throws(ServiceError) -> String {
        if let known = loaded.withLock({ $0[script] }) { return known }
        guard let sha = try await command(["SCRIPT", "LOAD", script]).string else { throw .backendUnavailable("SCRIPT LOAD gave no SHA") }
        loaded.withLock { $0[script] = sha }
        return sha
    }

    private static func evalSHA(_ sha: String, keys: [String], arguments: [String]) -> RESPCommand {
        RESPCommand((["EVALSHA", sha, String(keys.count)] + keys + arguments).map { Array($0.utf8) })
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
    /// The names of every board (a set): what `GET /v1/boards` lists.
    var boardNames: String { "\(prefix):boards" }
    /// The channel pattern of every board's events.
    var eventPattern: String { "\(prefix):{*}:events" }

    /// The keys every write script takes, in its order.
    func writing(_ board: String) -> [String] { [config(board), sortedSet(board), names(board), meta(board), metadata(board), events(board)] }
    /// The keys every read script takes, in its order.
    func reading(_ board: String) -> [String] { [config(board), sortedSet(board), names(board), metadata(board)] }

    /// The board an event channel belongs to.
    func board(ofChannel channel: String) -> String? {
        guard channel.hasPrefix(prefix + ":{"), channel.hasSuffix("}:events") else { return nil }
        return String(channel.dropFirst(prefix.count + 2).dropLast("}:events".count))
    }
}
