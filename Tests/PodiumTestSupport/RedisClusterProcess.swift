import Foundation

/// A real Redis Cluster on 127.0.0.1: `masters` masters with one replica each (6
/// redis-server processes by default), made with `redis-cli --cluster create`, every write
/// fsynced (`appendfsync always`), a node declared failed after one second. Tests drive
/// failovers through it: ``failover(replicaOf:)`` (`CLUSTER FAILOVER`) and ``kill(port:)``.
public final class RedisClusterProcess: Sendable {
    public let nodes: [RedisServerProcess]

    public init(masters: Int = 3) {
        // Each node's cluster bus listens 10000 above its port: both must be free, and both
        // below the kernel's ephemeral range, or a client connection made between the choice
        // and redis-server's bind can take the bus port (a CI run lost a node so).
        let ports = 20_000..<max(ServerProcess.ephemeralPortsStart - 10_000, 21_000)
        nodes = (0..<(2 * masters)).map { _ in
            RedisServerProcess(
                extraArguments: ["--cluster-enabled", "yes", "--cluster-node-timeout", "1000", "--appendonly", "yes", "--appendfsync", "always"],
                choosingPort: { ServerProcess.freePort(in: ports, alsoFree: 10_000) })
        }
    }

    public static var isAvailable: Bool { RedisServerProcess.isAvailable && cli != nil }

    private static var cli: String? {
        ["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public var ports: [Int] { nodes.map(\.port) }

    /// `redis+cluster://127.0.0.1:port,...` naming every node.
    public var url: String { "redis+cluster://" + ports.map { "127.0.0.1:\($0)" }.joined(separator: ",") }

    /// Starts the nodes, makes them a cluster and waits until every node says it is ok.
    public func start() async throws {
        for node in nodes { try await node.start() }
        let created = try await Self.run(["--cluster", "create"] + ports.map { "127.0.0.1:\($0)" } + ["--cluster-replicas", "1", "--cluster-yes"])
        guard created.contains("[OK] All 16384 slots covered") else { throw TestFailure("redis-cli --cluster create: \(created)") }
        try await waitUntilHealthy()
    }

    /// Waits (up to 30 s) until every node still running reports `cluster_state:ok` and
    /// every replica's link to its master is up (so `WAIT 1` can be met).
    public func waitUntilHealthy(skipping down: Set<Int> = []) async throws {
        for _ in 0..<300 {
            var healthy = true
            for port in ports where !down.contains(port) {
                if try await !Self.run(["-p", String(port), "cluster", "info"]).contains("cluster_state:ok") { healthy = false }
                let replication = try await Self.run(["-p", String(port), "info", "replication"])
                if replication.contains("role:slave"), !replication.contains("master_link_status:up") { healthy = false }
            }
            if healthy { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the cluster did not become healthy")
    }

    /// The port of the master serving `key`'s slot, as the node at `asking` sees it.
    public func master(of key: String, asking port: Int? = nil) async throws -> Int {
        let slot = try await Self.run(["-p", String(port ?? ports[0]), "cluster", "keyslot", key]).trimmingCharacters(in: .whitespacesAndNewlines)
        let slots = try await Self.run(["-p", String(port ?? ports[0]), "cluster", "slots"])
        // Lines: start, end, master ip, master port, id, replica ip, port, id, ... per range.
        let lines = slots.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let slotNumber = Int(slot) else { throw TestFailure("keyslot: \(slot)") }
        var index = 0
        while index + 3 < lines.count {
            if let first = Int(lines[index]), let last = Int(lines[index + 1]), let masterPort = Int(lines[index + 3]), (first...last).contains(slotNumber) {
                return masterPort
            }
            index += 1
        }
        throw TestFailure("no master for slot \(slot): \(slots)")
    }

    /// The port of a replica of the master at `master`.
    public func replica(of master: Int) async throws -> Int {
        let nodes = try await Self.run(["-p", String(master), "cluster", "nodes"])
        let lines = nodes.split(separator: "\n").map { $0.split(separator: " ") }
        guard let masterID = lines.first(where: { $0.count > 2 && $0[2].contains("myself") })?[0] else { throw TestFailure("cluster nodes: \(nodes)") }
        for line in lines where line.count > 3 && line[3] == masterID && line[2].contains("slave") {
            if let port = line[1].split(separator: "@").first?.split(separator: ":").last.flatMap({ Int($0) }) { return port }
        }
        throw TestFailure("no replica of \(master): \(nodes)")
    }

    /// Makes the replica at `replica` its master's master (`CLUSTER FAILOVER`), and waits
    /// until it says so.
    public func failover(to replica: Int) async throws {
        _ = try await Self.run(["-p", String(replica), "cluster", "failover"])
        for _ in 0..<100 {
            if try await Self.run(["-p", String(replica), "role"]).hasPrefix("master") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("\(replica) did not take over")
    }

    /// SIGKILLs the node at `port`.
    public func kill(port: Int) async {
        await nodes.first { $0.port == port }?.stop()
    }

    /// Starts the node at `port` again, on its data: it rejoins the cluster.
    public func restart(port: Int) async throws {
        try await nodes.first { $0.port == port }?.start()
    }

    public func shutdown() async {
        for node in nodes { await node.shutdown() }
    }

    /// Runs redis-cli with `arguments`; its output.
    @discardableResult
    static func run(_ arguments: [String]) async throws -> String {
        guard let cli else { throw TestFailure("redis-cli is not installed") }
        return try await ChildProcess.run(cli, arguments, mergingError: true).output
    }
}
