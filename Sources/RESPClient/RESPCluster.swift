import PodiumSync

/// A Redis Cluster (or Valkey cluster): each command goes to the master owning its key's
/// slot (``RESPSlot``), through a small pool per node. The slot map comes from `CLUSTER
/// SLOTS`, asked of any node that answers, and is asked again after a `MOVED` (a slot
/// moved, a replica was promoted) or when a node cannot be reached (failing over). `ASK`
/// (a slot being migrated) sends that one command to the node named, after `ASKING`;
/// `TRYAGAIN`, `CLUSTERDOWN` and `LOADING` are waited out. A command is sent again only
/// where Redis says it did not run it (a redirect, or no connection: nothing was sent),
/// for up to ``failoverWindow``; a connection lost mid-command fails it, since it may
/// have run.
public final class RESPCluster: RESPCommandSender {
    public struct Node: Hashable, Sendable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { "\(host):\(port)" }

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    private struct State {
        /// The master of each slot, as last told; `nil` where unknown.
        var slots = [Node?](repeating: nil, count: RESPSlot.count)
        var pools: [Node: RESPPool] = [:]
        var refresh: Task<Void, Never>?
    }

    /// How long a command keeps being redirected or retried while the cluster fails over.
    public static let failoverWindow = Duration.seconds(15)

    /// The nodes first asked for the slot map.
    public let seeds: [Node]
    /// Credentials, TLS and timeouts for every node (its host and port are the node's).
    private let template: RESPConfiguration
    private let connectionsPerNode: Int
    private let state = Locked(State())

    public init(seeds: [Node], configuration template: RESPConfiguration, connectionsPerNode: Int = 4) {
        self.seeds = seeds
        self.template = template
        self.connectionsPerNode = connectionsPerNode
    }

    /// The cluster of `redis+cluster://[user:password@]host:port,host:port,...`
    /// (`rediss+cluster://` with TLS, trusting `caFile`).
    public convenience init(url: String, caFile: String? = nil, connectionsPerNode: Int = 4) throws(RESPError) {
        let schemes = ["redis+cluster://": "redis://", "rediss+cluster://": "rediss://"]
        guard let (scheme, single) = schemes.first(where: { url.hasPrefix($0.key) }) else {
            throw .protocolViolation("'\(url)' is not a redis+cluster:// or rediss+cluster:// URL")
        }
        let rest = url.dropFirst(scheme.count)
        let at = rest.lastIndex(of: "@")
        let credentials = at.map { String(rest[...$0]) } ?? ""
        let hosts = (at.map { rest[rest.index(after: $0)...] } ?? rest).split(separator: ",")
        var seeds: [Node] = []
        for host in hosts {
            let configuration = try RESPConfiguration(url: single + credentials + host, caFile: caFile)
            seeds.append(Node(host: configuration.host, port: configuration.port))
        }
        guard let first = hosts.first else { throw .protocolViolation("'\(url)' names no node") }
        self.init(seeds: seeds, configuration: try RESPConfiguration(url: single + credentials + first, caFile: caFile), connectionsPerNode: connectionsPerNode)
    }

    /// The configuration of `node`.
    public func configuration(of node: Node) -> RESPConfiguration {
        var configuration = template
        configuration.host = node.host
        configuration.port = node.port
        return configuration
    }

    public func send(_ command: RESPCommand) async throws(RESPError) -> RESPValue {
        try await route(command) { pool, asking async throws(RESPError) in
            guard asking else { return try await pool.send(command) }
            let replies = try await pool.pipeline([RESPCommand("ASKING"), command])
            guard replies.count == 2 else { throw .protocolViolation("two commands, \(replies.count) replies") }
            return try replies[1].throwingServerError()
        }
    }

    public func send(
        _ command: RESPCommand, thenWaitFor replicas: Int, timeout: Duration
    ) async throws(RESPError) -> (reply: RESPValue, replicas: Int) {
        let wait = RESPCommand("WAIT", String(replicas), String(timeout.milliseconds))
        var acknowledged = 0
        let reply = try await route(command) { pool, asking async throws(RESPError) in
            let replies = try await pool.pipeline(asking ? [RESPCommand("ASKING"), command, wait] : [command, wait])
            guard replies.count >= 2 else { throw .protocolViolation("\(replies.count) replies") }
            acknowledged = Int(replies[replies.count - 1].integer ?? 0)
            return try replies[replies.count - 2].throwingServerError()
        }
        return (reply, acknowledged)
    }

    /// Each command to its slot's node (one without a key, such as `WAIT`, with the command
    /// before it): one pipeline per node, all at once; a command redirected is sent again on
    /// its own (in order, after the others of its node).
    public func pipeline(_ commands: [RESPCommand]) async throws(RESPError) -> [RESPValue] {
        var groups: [Node: [Int]] = [:]
        var previous: Node?
        for (index, command) in commands.enumerated() {
            let node: Node
            if RESPSlot.routingKey(of: command) == nil, let previous {
                node = previous
            } else {
                node = try await self.node(for: command)
            }
            groups[node, default: []].append(index)
            previous = node
        }
        var replies = [RESPValue?](repeating: nil, count: commands.count)
        await withTaskGroup(of: [(Int, RESPValue?)].self) { group in
            for (node, indices) in groups {
                let pool = pool(for: node)
                group.addTask {
                    do throws(RESPError) {
                        let answers = try await pool.pipeline(indices.map { commands[$0] })
                        return indices.enumerated().map { ($1, answers[$0]) }
                    } catch .unreachable {
                        // Nothing was sent: the commands go again, each on its own.
                        return indices.map { ($0, nil) }
                    } catch {
                        // Lost mid-way: each may have run, so none goes again.
                        return indices.map { ($0, RESPValue.error("CONNECTION \(error)")) }
                    }
                }
            }
            for await answers in group {
                for (index, reply) in answers { replies[index] = reply }
            }
        }
        var results: [RESPValue] = []
        for (index, reply) in replies.enumerated() {
            if let reply, !Self.isRedirect(reply.errorCode) {
                results.append(reply)
                continue
            }
            do {
                results.append(try await send(commands[index]))
            } catch let .server(message) {
                results.append(.error(message))
            }
        }
        return results
    }

    /// Closes every connection.
    public func close() async {
        let pools = state.withLock { Array($0.pools.values) }
        for pool in pools { await pool.close() }
    }

    // MARK: Routing

    /// Runs `attempt` on the pool of `command`'s node until it is not redirected, within
    /// the failover window.
    private func route(
        _ command: RESPCommand, _ attempt: (RESPPool, _ asking: Bool) async throws(RESPError) -> RESPValue
    ) async throws(RESPError) -> RESPValue {
        let deadline = ContinuousClock.now + Self.failoverWindow
        var asked: Node?
        var pause = Duration.milliseconds(20)
        while true {
            let node: Node
            if let asked {
                node = asked
            } else {
                node = try await self.node(for: command)
            }
            do {
                return try await attempt(pool(for: node), asked != nil)
            } catch {
                asked = nil
                guard ContinuousClock.now < deadline else { throw error }
                switch error {
                case .server(let message) where error.serverCode == "MOVED":
                    if let (slot, target) = Self.redirect(message) { state.withLock { $0.slots[slot] = target } }
                    refreshSoon()
                    continue
                case .server(let message) where error.serverCode == "ASK":
                    asked = Self.redirect(message)?.node
                    continue
                case .server where ["TRYAGAIN", "CLUSTERDOWN", "LOADING", "MASTERDOWN"].contains(error.serverCode):
                    break
                case .unreachable:
                    // The node is down or failing over: the map may name its replica soon.
                    await refresh()
                default:
                    throw error
                }
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(500))
            }
        }
    }

    /// The master of `command`'s slot (any known node for a command without a key).
    private func node(for command: RESPCommand) async throws(RESPError) -> Node {
        let slot = RESPSlot.routingKey(of: command).map { RESPSlot.of($0) }
        for _ in 0..<2 {
            let known = state.withLock { state -> Node? in
                guard let slot else { return state.slots.lazy.compactMap { $0 }.first ?? self.seeds.first }
                return state.slots[slot]
            }
            if let known { return known }
            await refresh()
        }
        throw .unreachable("no node of the cluster (\(seeds.map(\.description).joined(separator: ","))) serves slot \(slot ?? -1)")
    }

    private func pool(for node: Node) -> RESPPool {
        state.withLock { state in
            if let pool = state.pools[node] { return pool }
            let pool = RESPPool(configuration(of: node), size: connectionsPerNode)
            state.pools[node] = pool
            return pool
        }
    }

    // MARK: The slot map

    /// Asks for the slot map again without waiting for it.
    private func refreshSoon() {
        Task { await refresh() }
    }

    /// Reads the slot map from the first node that answers, seeds first; concurrent calls
    /// share one reading.
    func refresh() async {
        let task = state.withLock { state -> Task<Void, Never> in
            if let running = state.refresh { return running }
            let task = Task { await self.readSlots() }
            state.refresh = task
            return task
        }
        await task.value
        state.withLock { if $0.refresh == task { $0.refresh = nil } }
    }

    private func readSlots() async {
        let known = state.withLock { Array($0.pools.keys) }
        for node in seeds + known.filter({ !seeds.contains($0) }) {
            guard let reply = try? await pool(for: node).send(RESPCommand("CLUSTER", "SLOTS")), let ranges = reply.elements else { continue }
            var slots = [Node?](repeating: nil, count: RESPSlot.count)
            for range in ranges {
                guard let fields = range.elements, fields.count >= 3, let first = fields[0].integer, let last = fields[1].integer,
                    let master = fields[2].elements, master.count >= 2, let port = master[1].integer,
                    first >= 0, last < RESPSlot.count, first <= last
                else { continue }
                // An empty or unknown address is the one asked.
                let host = master[0].string.flatMap { $0.isEmpty || $0 == "?" ? nil : $0 } ?? node.host
                for slot in Int(first)...Int(last) { slots[slot] = Node(host: host, port: Int(port)) }
            }
            state.withLock { $0.slots = slots }
            return
        }
    }

    /// `MOVED 3999 127.0.0.1:6381` (or `ASK ...`): the slot and the node.
    static func redirect(_ message: String) -> (slot: Int, node: Node)? {
        let words = message.split(separator: " ")
        guard words.count >= 3, let slot = Int(words[1]), let colon = words[2].lastIndex(of: ":"),
            let port = Int(words[2][words[2].index(after: colon)...])
        else { return nil }
        return (slot, Node(host: String(words[2][..<colon]), port: port))
    }

    private static func isRedirect(_ code: String?) -> Bool {
        ["MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN", "LOADING", "MASTERDOWN"].contains(code ?? "")
    }
}
