import PodiumEngine
import PodiumRedis
import PodiumService
import PodiumTestSupport
import RESPClient
import Synchronization
import Testing

/// Boards on a real 3-master, 3-replica Redis Cluster through ``RESPCluster``: each board in
/// its own slot, agreeing with the engine; and under `WAIT 1` (`--store-ack replicas`),
/// every acknowledged write still there after a planned failover and a SIGKILLed master.
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: RedisClusterProcess.isAvailable, "needs redis-server and redis-cli"))
struct RedisClusterTests {
    @Test func boardsOnEveryMasterAgreeWithTheEngine() async throws {
        let cluster = RedisClusterProcess()
        try await cluster.start()
        let redis = try RESPCluster(url: cluster.url)
        do {
            let boards = RedisBoards(redis: redis)
            let names = (0..<4).map { "board-\($0)" }
            for (name, config) in zip(names, RedisBoardsModelTests.configs.shuffled().prefix(4)) {
                try await RedisBoardsModelTests.compare(config, on: boards, board: name, steps: 300)
            }
            // One pipeline across the nodes lists them all.
            #expect(try await boards.listBoards().map(\.name) == names)
            var masters: Set<Int> = []
            for name in names { masters.insert(try await cluster.master(of: "podium:{\(name)}:z")) }
            #expect(masters.count > 1, "the boards should live on more than one master")
        } catch {
            Issue.record(error)
        }
        await redis.close()
        await cluster.shutdown()
    }

    @Test func acknowledgedWritesSurviveAFailoverAndAKilledMaster() async throws {
        let cluster = RedisClusterProcess()
        try await cluster.start()
        let redis = try RESPCluster(url: cluster.url)
        do {
            let boards = RedisBoards(redis: redis, replicas: 1, replicaTimeout: .milliseconds(500))
            try await boards.createBoard(name: "duel", config: BoardConfig(update: .set))
            // Each write a member of its own: an acknowledged one must be there with its score.
            let ledger = Ledger()
            @Sendable func write(_ number: Int) async {
                do {
                    _ = try await boards.submit(board: "duel", ScoreSubmission(member: "m\(number)", score: Double(number)))
                    ledger.state.withLock { $0.acknowledged["m\(number)"] = Double(number) }
                } catch {
                    ledger.state.withLock { $0.refused += 1 }
                }
            }
            for number in 0..<100 { await write(number) }
            #expect(ledger.acknowledged.count == 100)

            // A planned failover: the replica takes over; writes follow it (MOVED).
            let master = try await cluster.master(of: "podium:{duel}:z")
            let replica = try await cluster.replica(of: master)
            try await cluster.failover(to: replica)
            for number in 100..<200 { await write(number) }
            #expect(ledger.acknowledged.count == 200, "refused: \(ledger.refused)")

            // The new master SIGKILLed mid-writes: the old one is promoted; with no replica
            // left, writes are not acknowledged until the killed node rejoins as one.
            let writing = Task {
                for number in 200..<260 { await write(number) }
            }
            try await Task.sleep(for: .milliseconds(20))
            await cluster.kill(port: replica)
            await writing.value
            try await cluster.restart(port: replica)
            try await cluster.waitUntilHealthy()
            let before = ledger.acknowledged.count
            var number = 1000
            let deadline = ContinuousClock.now + .seconds(60)
            while ledger.acknowledged.count < before + 50, ContinuousClock.now < deadline {
                await write(number)
                number += 1
            }
            let acknowledged = ledger.acknowledged
            #expect(acknowledged.count >= before + 50, "writes did not recover: \(ledger.refused) refused")

            let found = try await boards.lookup(board: "duel", members: Array(acknowledged.keys.sorted().prefix(1000)))
            #expect(found.missing.isEmpty, "acknowledged and lost: \(found.missing.prefix(10))")
            for entry in found.entries { #expect(entry.score == acknowledged[entry.member], "\(entry.member)") }
        } catch {
            Issue.record(error)
        }
        await redis.close()
        await cluster.shutdown()
    }
}

/// What a run of writes saw: the acknowledged ones (member -> score) and how many failed.
private final class Ledger: Sendable {
    let state = Mutex<(acknowledged: [String: Double], refused: Int)>(([:], 0))
    var acknowledged: [String: Double] { state.withLock { $0.acknowledged } }
    var refused: Int { state.withLock { $0.refused } }
}
