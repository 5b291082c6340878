import ArgumentParser
import Foundation
import Histogram
import PodiumEncryption
import PodiumEngine
import PodiumStorage
import PodiumSync
import Synchronization

/// `podium-bench storage`: snapshot size and time, the longest a write waits while a
/// snapshot runs, recovery time, and log append throughput per fsync policy and writer
/// count. The Redis side is `ops/bench/redis-persistence.sh`.
struct StorageBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Snapshot, recovery and append-only log throughput on a board of N members."
    )

    @Option(help: "Members on the board.") var members = 1_000_000
    @Option(help: "Seed of the random workload.") var seed: UInt64 = 1
    @Option(help: "Seconds per append-throughput case.") var seconds = 3.0
    @Option(help: "Directory for the data (a fresh temporary one by default).") var dataDir: String?
    @Flag(help: "Encrypt at rest (AES-256-GCM, as podiumd --encryption-key-file), under a random key.") var encrypted = false
    @Flag(help: "One JSON object per line instead of a table.") var json = false

    mutating func run() async throws {
        let root = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("podium-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var lines: [String] = []
        let keyring = AtRestKeyring(writing: encrypted ? AtRestKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) }) : nil)
        func report(_ text: String, _ jsonLine: String) {
            if json {
                lines.append(#"{"encrypted": \#(encrypted), "# + jsonLine.dropFirst())
            } else {
                lines.append(encrypted ? "[encrypted] " + text : text)
            }
        }

        // A board of N members, as the engine benchmark builds it.
        var random = SplitMix64(seed: seed)
        var built = try Leaderboard(config: BoardConfig(update: .set))
        for index in 0..<members {
            _ = try built.submit(member: memberName(index), score: Double(random.next() >> 11) / Double(1 << 53) * 1e6)
        }
        let board = HandOverLock(built)
        built = try Leaderboard()

        // Snapshot while a writer keeps updating the board.
        let directory = root + "/snapshot"
        var (store, _, _) = try DurableStore.open(path: directory, policy: .everysec, keyring: keyring)
        try store.log.append(.boardCreated(board: "bench", config: BoardConfig(update: .set)))
        let snapshotDone = Atomic<Bool>(false)
        let memberCount = members, writerSeed = seed &+ 1, log = store.log
        let writer = Task.detached { () -> (Histogram<UInt64>, Int) in
            var latencies = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
            var random = SplitMix64(seed: writerSeed)
            var writes = 0
            while !snapshotDone.load(ordering: .relaxed) {
                let member = memberName(Int(random.next() % UInt64(memberCount)))
                let score = Double(random.next() >> 11) / Double(1 << 53) * 1e6
                let start = monotonicNanoseconds()
                // As the service writes: the board let go once the record has its place in the log.
                try board.withLock { (board, release) in
                    let update = try board.submit(member: member, score: score)
                    try log.append([.scoreSet(board: "bench", entry: StoredEntry(member: member, score: score, stamp: update.stamp))]) {
                        release()
                    }
                }
                _ = latencies.record(monotonicNanoseconds() - start)
                writes += 1
            }
            return (latencies, writes)
        }
        let snapshotStart = monotonicNanoseconds()
        let summary = try await store.snapshot { try snapshotBoard(board, to: $0) }
        let snapshotMilliseconds = Double(monotonicNanoseconds() - snapshotStart) / 1e6
        snapshotDone.store(true, ordering: .relaxed)
        let (latencies, writes) = try await writer.value
        try store.close()
        let bytesPerMember = Double(summary.bytes) / Double(members)
        report(
            "snapshot: \(members) members, \(summary.bytes) bytes (\(fixed(bytesPerMember)) per member), \(fixed(snapshotMilliseconds)) ms",
            #"{"op": "snapshot", "members": \#(members), "bytes_per_member": \#(fixed(bytesPerMember)), "ms": \#(fixed(snapshotMilliseconds))}"#)
        let maxStall = Double(latencies.max) / 1e6, p99 = Double(latencies.valueAtPercentile(99)) / 1e3
        report(
            "write latency during the snapshot: max \(fixed(maxStall, 3)) ms, p99 \(fixed(p99)) us over \(writes) writes",
            #"{"op": "snapshot_stall", "members": \#(members), "max_write_latency_ms": \#(fixed(maxStall, 3)), "p99_write_latency_us": \#(fixed(p99)), "writes": \#(writes)}"#)

        // Recovery: the snapshot plus the segment the writer filled meanwhile.
        let recoveryStart = monotonicNanoseconds()
        let (reopened, recovered, recoveryReport) = try DurableStore.open(path: directory, policy: .no, keyring: keyring)
        let recoverySeconds = Double(monotonicNanoseconds() - recoveryStart) / 1e9
        try reopened.close()
        guard recovered.boards["bench"]?.count == members else { throw ValidationError("recovery lost members") }
        report(
            "recovery: \(fixed(recoverySeconds * 1000)) ms (\(recoveryReport.snapshotEntries) snapshot entries, \(recoveryReport.records) log records)",
            #"{"op": "recovery", "members": \#(members), "seconds": \#(fixed(recoverySeconds, 3)), "log_records": \#(recoveryReport.records)}"#)

        // Recovery of the snapshot alone: a new snapshot with no writes after it.
        (store, _, _) = try DurableStore.open(path: directory, policy: .no, keyring: keyring)
        _ = try await store.snapshot { try snapshotBoard(board, to: $0) }
        try store.close()
        let loadStart = monotonicNanoseconds()
        let (quiet, _, _) = try DurableStore.open(path: directory, policy: .no, keyring: keyring)
        let loadSeconds = Double(monotonicNanoseconds() - loadStart) / 1e9
        try quiet.close()
        report(
            "recovery of the snapshot alone: \(fixed(loadSeconds * 1000)) ms",
            #"{"op": "snapshot_load", "members": \#(members), "seconds": \#(fixed(loadSeconds, 3))}"#)

        // Append throughput: writers append and wait for durability, as requests would.
        for policy in FsyncPolicy.allCases {
            for writers in [1, 8, 64] {
                // Flush what earlier cases left dirty, so the kernel's writeback of it does
                // not throttle this case (it swung results by 2x without this).
                sync()
                let path = root + "/aof-\(policy.rawValue)-\(writers)"
                let (store, _, _) = try DurableStore.open(path: path, policy: policy, keyring: keyring)
                let opsPerSecond = try await appendThroughput(store.log, writers: writers, seconds: seconds)
                let syncs = store.log.statistics.syncs
                try store.close()
                try? FileManager.default.removeItem(atPath: path)
                report(
                    "append, fsync \(policy.rawValue), \(writers) writers: \(Int(opsPerSecond)) ops/s, \(syncs) fsyncs",
                    #"{"op": "aof_append", "fsync": "\#(policy.rawValue)", "writers": \#(writers), "ops_per_s": \#(Int(opsPerSecond)), "fsyncs": \#(syncs)}"#)
            }
        }
        print(lines.joined(separator: "\n"))
    }

    private func appendThroughput(_ log: AppendOnlyLog, writers: Int, seconds: Double) async throws -> Double {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        let start = monotonicNanoseconds()
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var count = 0
                    while monotonicNanoseconds() < deadline {
                        let member = "w\(writer)-\(count % 100_000)"
                        let position = try log.append(
                            .scoreSet(board: "bench", entry: StoredEntry(member: member, score: Double(count), stamp: UInt64(count + 1))))
                        try await log.waitUntilDurable(position)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(total) / (Double(monotonicNanoseconds() - start) / 1e9)
    }
}

/// Writes the board to a snapshot, 4096 entries per hold of its lock.
private func snapshotBoard(_ board: HandOverLock<Leaderboard>, to snapshot: SnapshotWriter) throws {
    let (config, size) = board.withLock { ($0.config, $0.count) }
    try snapshot.writeBoard(name: "bench", config: config, sizeHint: size) { cursor in
        let chunk = board.withLock { $0.storedEntries(after: cursor, limit: 4096) }
        return (chunk.entries, [], chunk.next)
    }
}

/// 14-byte ids, as the Redis scripts: "m" and the index in 13 digits.
func memberName(_ index: Int) -> String {
    let digits = String(index)
    return "m" + String(repeating: "0", count: 13 - digits.count) + digits
}

/// `value` with `places` decimals, for reports (no binary-fraction tails like 1.0597999).
func fixed(_ value: Double, _ places: Int = 1) -> String { String(format: "%.\(places)f", value) }
