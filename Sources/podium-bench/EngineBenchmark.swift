import ArgumentParser
import PodiumEngine
import PodiumService

/// `podium-bench engine`: one board of N members, then each operation K times at random.
/// The same workload as `ops/bench/redis-zset.sh`, so the two can be set side by side.
struct EngineBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Engine latency per operation on one board, and memory per member."
    )

    @Option(help: "Members on the board.") var members = 1_000_000
    @Option(help: "Operations measured per kind.") var ops = 1_000_000
    @Option(help: "Seed of the random workload.") var seed: UInt64 = 1
    @Flag(help: "One JSON object per line instead of a table.") var json = false
    @Option(help: "After the build, give this share of the members metadata (0-1), and report what it cost.")
    var metadataShare = 0.0
    @Option(help: "Bytes of each member's metadata (a JSON object).") var metadataBytes = 64
    @Option(help: "Measure only these operations (comma-separated), e.g. for a profiler.")
    var only: String?

    mutating func run() throws {
        var random = SplitMix64(seed: seed)
        let names = (0..<members).map(memberName)
        let memberCount = members
        let randomMember = { (random: inout SplitMix64) in names[Int(random.next() % UInt64(memberCount))] }
        let randomScore = { (random: inout SplitMix64) in Double(random.next() >> 11) / Double(1 << 53) * 1e6 }
        let buildScores = (0..<members).map { _ in randomScore(&random) }

        var board = try Leaderboard(config: BoardConfig(order: .descending, update: .set, tieBreak: .earliest))
        var results: [LatencyResult] = []
        var sink = 0  // consumes every result so nothing is optimised away

        let residentBefore = residentMemoryBytes(releasingFreedHeap: true)
        var insert = LatencyRecorder(op: "insert")
        insert.measure(count: members) { index in
            sink &+= (try? board.submit(member: names[index], score: buildScores[index]))?.rank ?? 0
        }
        let residentAfter = residentMemoryBytes(releasingFreedHeap: true)
        let footprint = board.memoryFootprint
        results.append(insert.result(members: members))
        let metadataCost = addMetadata(to: &board, names: names)

        // Each phase's inputs are drawn before it starts and read in order, so the timed
        // call pays for the engine's memory traffic, not for a random read of `names`
        // (Redis's server-side time does not include its client's either).
        var opMembers: [String] = [], opScores: [Double] = []
        let selected = only.map { Set($0.split(separator: ",").map(String.init)) }
        // `body` gets the board `inout`: a read through a captured variable would copy the
        // board (and retain each of its arrays) on every call, which no server does.
        // `score` draws an op's score for its member (a random one unless given).
        func measure(
            _ op: String, score: ((String, inout SplitMix64) -> Double)? = nil, _ body: (inout Leaderboard, Int) -> Int
        ) {
            if let selected, !selected.contains(op) { return }
            opMembers = (0..<ops).map { _ in randomMember(&random) }
            opScores = opMembers.map { member in score?(member, &random) ?? randomScore(&random) }
            var recorder = LatencyRecorder(op: op)
            recorder.measure(count: ops) { sink &+= body(&board, $0) }
            results.append(recorder.result(members: memberCount))
        }
        measure("update") { board, index in
            (try? board.submit(member: opMembers[index], score: opScores[index]))?.rank ?? 0
        }
        measure("incr") { board, index in
            (try? board.submit(member: opMembers[index], score: 1, policy: .increment))?.rank ?? 0
        }
        measure("score") { board, index in Int(board.score(of: opMembers[index]) ?? 0) }
        measure("rank") { board, index in board.rank(of: opMembers[index]) ?? 0 }
        measure("top10") { board, _ in board.entries(offset: 0, limit: 10).entries.count }
        measure("around5") { board, index in board.around(member: opMembers[index], radius: 5)?.count ?? 0 }
        measure("page10") { board, index in
            board.entries(offset: Int(opScores[index] / 1e6 * Double(memberCount - 10)), limit: 10).entries.count
        }
        measure("count") { board, index in
            let (a, b) = (opScores[index], opScores[(index + 1) % ops])
            return (try? board.count(in: ScoreRange(min: ScoreBound(min(a, b)), max: ScoreBound(max(a, b))))) ?? 0
        }
        // After the phases above, so that their draws stayed the same when these came: a
        // `best` submit that seldom improves (a tenth of a random score), what most
        // submits to a best-score board are (Redis: ZADD GT).
        measure("best") { board, index in
            (try? board.submit(member: opMembers[index], score: opScores[index] * 0.1, policy: .best))?.rank ?? 0
        }
        // A score set near the member's own (within 10, past ~10 members at 1M, the scores
        // spread over a million), as a rating that moves a little.
        let nearScore = { (member: String, random: inout SplitMix64) in
            (board.score(of: member) ?? 0) + Double(random.next() % 2001) / 100 - 10
        }
        measure("nudge", score: nearScore) { board, index in
            (try? board.submit(member: opMembers[index], score: opScores[index]))?.rank ?? 0
        }

        let memory = Memory(
            resident: Double(residentAfter - residentBefore) / Double(members),
            used: Double(footprint.usedBytes) / Double(members), reserved: Double(footprint.reservedBytes) / Double(members),
            usedAfterOps: Double(board.memoryFootprint.usedBytes) / Double(board.count))
        print(json ? Self.json(results, members: members, memory: memory) : Self.table(results, members: members, memory: memory))
        if let metadataCost { print(metadataCost) }
        if sink == 42 { print("") }  // keeps `sink` alive
    }

    /// Gives `--metadata-share` of the members `--metadata-bytes` of metadata each (the
    /// first ones: they are in random score order); the resident growth per member with
    /// metadata, as a line. Nil when the share is 0.
    func addMetadata(to board: inout Leaderboard, names: [String]) -> String? {
        let count = Int(Double(names.count) * min(max(metadataShare, 0), 1))
        guard count > 0 else { return nil }
        let before = residentMemoryBytes(releasingFreedHeap: true)
        let padding = String(repeating: "x", count: max(0, metadataBytes - 12))
        for index in 0..<count { board.setMetadata(Array(#"{"name":"\#(padding)\#(index % 10)"}"#.utf8), of: names[index]) }
        let perMember = Double(residentMemoryBytes(releasingFreedHeap: true) - before) / Double(count)
        return json
            ? #"{"op": "metadata", "members_with_metadata": \#(count), "metadata_bytes": \#(metadataBytes), "bytes_per_member_with_metadata": \#(fixed(perMember))}"#
            : "metadata: \(count) members with \(metadataBytes) bytes each: \(fixed(perMember)) bytes per member with metadata (resident growth)"
    }

    /// Bytes per member after the build: the process's resident growth, and the board's
    /// arrays as the engine counts them (their elements, and their capacities); and their
    /// elements again after the measured operations, whose moves leave blocks less full.
    struct Memory {
        var resident: Double
        var used: Double
        var reserved: Double
        var usedAfterOps: Double
    }

    static func json(_ results: [LatencyResult], members: Int, memory: Memory) -> String {
        (results.map(\.json)
            + [
                #"{"op": "memory", "members": \#(members), "bytes_per_member": \#(fixed(memory.resident)), "#
                    + #""engine_used_bytes_per_member": \#(fixed(memory.used)), "engine_reserved_bytes_per_member": \#(fixed(memory.reserved)), "#
                    + #""engine_used_bytes_per_member_after_ops": \#(fixed(memory.usedAfterOps))}"#
            ])
            .joined(separator: "\n")
    }

    static func table(_ results: [LatencyResult], members: Int, memory: Memory) -> String {
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var lines = [
            "engine, \(members) members",
            pad("op", 8) + pad("p50 ns", 10) + pad("p90 ns", 10) + pad("p99 ns", 10) + pad("max ns", 12) + pad("mean ns", 10) + pad("ops/s", 12),
        ]
        for result in results {
            let columns = [result.p50, result.p90, result.p99].map { pad("\($0)", 10) }.joined() + pad("\(result.max)", 12)
            lines.append(pad(result.op, 8) + columns + pad("\(Int(result.mean))", 10) + pad("\(Int(result.opsPerSecond))", 12))
        }
        lines.append(
            "memory: \(fixed(memory.resident)) bytes per member (resident growth / members); the engine's arrays: "
                + "\(fixed(memory.used)) used, \(fixed(memory.reserved)) reserved; \(fixed(memory.usedAfterOps)) used after the operations")
        return lines.joined(separator: "\n")
    }
}
