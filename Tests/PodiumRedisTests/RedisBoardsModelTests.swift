import PodiumEngine
import PodiumService
import PodiumTestSupport
import RESPClient
import Testing

@testable import PodiumRedis

/// Boards on a real redis-server against the engine, op for op: on every order x tie-break x
/// update policy (with `max_size` and score bounds), 1,200 random submits and removals, ties
/// made often, must give the same results, standings, evictions and refusals, and the same
/// pages (by rank, by score, around) and counts.
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: RedisServerProcess.isAvailable, "needs redis-server"))
struct RedisBoardsModelTests {
    static let members = (0..<40).map { ["José \($0)", "日本語 \($0) 👾", "a b/\($0)", "m\($0)"][$0 % 4] }

    static var configs: [BoardConfig] {
        ScoreOrder.allCases.flatMap { order in
            TieBreak.allCases.flatMap { tie in
                UpdatePolicy.allCases.map { update in
                    BoardConfig(order: order, update: update, tieBreak: tie, maxSize: update == .set ? 25 : nil, minScore: update == .increment ? -50 : nil, maxScore: 60)
                }
            }
        }
    }

    @Test(arguments: configs) func redisAgreesWithTheEngine(config: BoardConfig) async throws {
        let server = RedisServerProcess()
        try await server.start()
        let connection = try await RESPConnection.connect(RESPConfiguration(host: "127.0.0.1", port: server.port))
        do {
            try await Self.compare(config, on: RedisBoards(redis: connection))
            await connection.close()
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// `steps` random operations on `board` through `redis` and on the engine, compared.
    static func compare(_ config: BoardConfig, on redis: RedisBoards, board: String = "b", steps: Int = 1200) async throws {
        #expect(try await redis.createBoard(name: board, config: config))
        #expect(try await redis.createBoard(name: board, config: config) == false)
        await #expect(throws: ServiceError.boardConfigConflict(board)) { try await redis.createBoard(name: board, config: BoardConfig(maxSize: 3)) }
        var engine = try Leaderboard(config: config)
        // A new sequence each run (hash values are seeded per process); every message names
        // the seed, so a failure can be replayed with it.
        let seed = UInt64(config.hashValue & 0xFFFF)
        var random = SplitMix64(seed: seed)
        let origin = "board \(board), \(config), seed \(seed):"

        for step in 0..<steps {
            let member = Self.members[Int(random.next() % UInt64(Self.members.count))]
            // Few distinct scores: ties are the rule, not the exception.
            let score = Double(Int(random.next() % 25) - 5) + (random.next() % 4 == 0 ? 0.5 : 0)
            let policy: UpdatePolicy? = [nil, .best, .set, .increment][Int(random.next() % 4)]
            if random.next() % 10 == 0 {
                // A removal, now and then.
                let removed = engine.remove(member: member)
                let answer = await Result { () async throws(ServiceError) in try await redis.removeMember(board: board, member: member) }
                #expect(answer == (removed.map { .success($0) } ?? .failure(.memberNotFound(board: board, member: member))), "\(origin) step \(step)")
                continue
            }
            if step % 10 == 5 {
                // A batch of three, now and then: one script, each entry as a submit.
                let entries = (0..<3).map { offset in
                    ScoreSubmission(member: Self.members[(Int(random.next() % 40) + offset) % Self.members.count], score: score + Double(offset), policy: policy)
                }
                let answers = try await redis.submitBatch(board: board, entries)
                for (entry, answer) in zip(entries, answers) {
                    Self.expectSame(Result { try engine.submit(member: entry.member, score: entry.score, policy: entry.policy) }, answer, engine, config, "\(origin) step \(step) batch")
                }
                continue
            }
            let expected = Result { try engine.submit(member: member, score: score, policy: policy) }
            let actual = await Result { () async throws(ServiceError) in try await redis.submit(board: board, ScoreSubmission(member: member, score: score, policy: policy)) }
            Self.expectSame(expected, actual, engine, config, "\(origin) step \(step): \(member) \(score) \(String(describing: policy))")
            if step % 200 == 199 {
                let pages = (engine.entries(offset: 0, limit: 100), try await redis.top(board: board, offset: 0, limit: 100))
                #expect(pages.0 == pages.1, "\(origin) step \(step): pages differ")
                #expect(try await redis.top(board: board, offset: 5, limit: 7) == engine.entries(offset: 5, limit: 7))
                #expect(try await redis.top(board: board, offset: 3, limit: 0) == engine.entries(offset: 3, limit: 0))
                for member in Self.members.prefix(8) {
                    let radius = Int(random.next() % 4)
                    let expected = engine.around(member: member, radius: radius).map { Page(entries: $0, total: engine.count) }
                    let actual = await Result { () async throws(ServiceError) in try await redis.around(board: board, member: member, radius: radius) }
                    #expect(actual == (expected.map { .success($0) } ?? .failure(.memberNotFound(board: board, member: member))), "\(origin) step \(step): around \(member)")
                }
                for (low, high) in [(-3.0, 7.0), (0, 0), (-.infinity, 2.5), (10, .infinity)] {
                    for (lowIn, highIn) in [(true, true), (false, true), (true, false), (false, false)] {
                        let range = ScoreRange(min: ScoreBound(low, inclusive: lowIn), max: ScoreBound(high, inclusive: highIn))
                        #expect(try await redis.count(board: board, in: range) == engine.count(in: range), "\(origin) step \(step): \(range)")
                        for (offset, limit) in [(0, 10), (2, 3), (30, 5), (0, 0)] {
                            let expected = try engine.entries(in: range, offset: offset, limit: limit)
                            #expect(try await redis.scores(board: board, in: range, offset: offset, limit: limit) == expected, "\(origin) step \(step): \(range) \(offset) \(limit)")
                        }
                    }
                }
            }
        }
        await #expect(throws: ServiceError.memberNotFound(board: board, member: "nobody")) { try await redis.entry(board: board, member: "nobody") }
        await #expect(throws: ServiceError.boardNotFound("nope")) { try await redis.submit(board: "nope", ScoreSubmission(member: "x", score: 1)) }
    }

    /// The engine's answer to a submit and Redis's agree: the same standing, or the same refusal.
    static func expectSame(
        _ expected: Result<ScoreUpdate, any Error>, _ actual: Result<SubmitResult, ServiceError>, _ engine: Leaderboard, _ config: BoardConfig,
        _ step: String
    ) {
        switch (expected, actual) {
        case let (.success(update), .success(result)):
            let entry = update.rank == nil ? nil : engine.entry(for: update.member)
            #expect(result.entry == entry, "\(step)")
            #expect(result.previousScore == update.previousScore && result.previousRank == update.previousRank, "\(step)")
            #expect(result.changed == update.changed && result.evicted == update.evicted, "\(step): \(String(describing: result.evicted)) vs \(String(describing: update.evicted))")
        case let (.failure(engineError), .failure(redisError)):
            // The same refusal, with the board's bounds when it is one.
            switch (engineError as? LeaderboardError, redisError) {
            case (.scoreOutOfBounds?, .scoreOutOfBounds(let low, let high)): #expect(low == config.minScore && high == config.maxScore)
            case (.invalidScore?, .invalidScore): break
            default: Issue.record("\(step): the engine refused with \(engineError), Redis with \(redisError)")
            }
        default:
            Issue.record("\(step): the engine gave \(expected), Redis \(actual)")
        }
    }
}

extension Result where Failure == ServiceError {
    init(catching body: () async throws(ServiceError) -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
