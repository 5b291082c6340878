import Testing

@testable import PodiumEngine

/// Random operations on the engine and on `NaiveLeaderboard` side by side: every result
/// must agree, and the engine's invariants must hold after every mutation.
struct LeaderboardModelTests {
    static let configs: [BoardConfig] = ScoreOrder.allCases.flatMap { order in
        TieBreak.allCases.flatMap { tieBreak in
            UpdatePolicy.allCases.map { BoardConfig(order: order, update: $0, tieBreak: tieBreak) }
        }
    }

    /// Ids sharing long prefixes (so `member` ties compare full bytes), multibyte UTF-8,
    /// the longest allowed, one byte.
    static let memberPool: [String] = (0..<90).map { "player-\($0 % 7)-\($0)" }
        + ["é", "日本語のプレイヤー", "👾👾", "a", "b", "ab", String(repeating: "z", count: 128), "Zoë", "zo\u{308}e"]
        + (0..<20).map { "longer-than-fifteen-bytes-\($0)" }

    /// Few distinct values so ties are common, and the extremes.
    static let scorePool: [Double] = [
        -3, -2, -1, -0.0, 0.0, 1, 1.5, 2, 3, 4, 5, 7, 10, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1e300,
    ]

    static let operationsPerConfig = 17_000  // x 12 configs: 204,000 operations

    @Test("engine agrees with the naive model", arguments: configs)
    func agreesWithModel(config: BoardConfig) throws {
        var random = SplitMix64(seed: UInt64(Self.configs.firstIndex(of: config)!) + 1)
        var board = try Leaderboard(config: config, blockCapacity: 4)
        var model = NaiveLeaderboard(config: config)
        for step in 0..<Self.operationsPerConfig {
            let member = Self.memberPool.randomElement(using: &random)!
            let score = Self.randomScore(using: &random)
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<45:
                let policy: UpdatePolicy? = Bool.random(using: &random) ? nil : UpdatePolicy.allCases.randomElement(using: &random)
                let expected = model.submit(member, score, policy: policy)
                let actual = try? board.submit(member: member, score: score, policy: policy)
                #expect(actual == expected, "step \(step): submit \(member) \(score) \(String(describing: policy))")
                // The write's own answer: what a read right after it says, ties and percentile included.
                if let actual {
                    let index = model.index(of: member)
                    #expect(board.entry(after: actual) == index.map { model.entry(at: $0) }, "step \(step): entry after submit")
                }
            case 45..<60:
                #expect(board.remove(member: member) == model.remove(member), "step \(step): remove \(member)")
            default:
                try checkReads(board, model, member: member, random: &random, step: step)
            }
            board.checkInvariants()
            if let maxSize = config.maxSize { #expect(board.count <= maxSize) }
            #expect(board.count == model.members.count)
            if board.count != model.members.count { return }
        }
        #expect(Array(board.storedEntries).map(\.member) == model.members.map(\.name))
    }

    private func checkReads(
        _ board: Leaderboard, _ model: NaiveLeaderboard, member: String, random: inout SplitMix64, step: Int
    ) throws {
        let index = model.index(of: member)
        #expect(board.rank(of: member) == index.map { $0 + 1 }, "step \(step): rank")
        #expect(board.score(of: member) == index.map { model.members[$0].score }, "step \(step): score")
        #expect(board.entry(for: member) == index.map { model.entry(at: $0) }, "step \(step): entry")

        let offset = Int.random(in: 0...model.members.count + 2, using: &random)
        let limit = Int.random(in: 0...12, using: &random)
        let top = board.entries(offset: offset, limit: limit)
        let topRange = min(offset, model.members.count)..<min(offset + limit, model.members.count)
        #expect(top == Page(entries: model.entries(topRange), total: model.members.count), "step \(step): top")

        let bounds = [Self.randomBound(using: &random), Self.randomBound(using: &random)]
        let range = ScoreRange(min: bounds[0], max: bounds[1])
        let matching = model.members.indices.filter { model.contains(model.members[$0].score, in: range) }
        #expect(try board.count(in: range) == matching.count, "step \(step): count \(range)")
        let page = try board.entries(in: range, offset: offset / 2, limit: limit)
        let expectedPage = Array(matching.dropFirst(offset / 2).prefix(limit))
        #expect(page == Page(entries: model.entries(expectedPage), total: matching.count), "step \(step): range \(range)")

        let radius = Int.random(in: 0...4, using: &random)
        let around = index.map { model.entries(max(0, $0 - radius)...min(model.members.count - 1, $0 + radius)) }
        #expect(board.around(member: member, radius: radius) == around, "step \(step): around")

        // Duplicates on purpose: a small pool, several picks.
        let friends = (0..<5).map { _ in Self.memberPool[Int.random(in: 0..<12, using: &random)] }
        let present = Set(friends.compactMap { model.index(of: $0) }).sorted()
        var absent: [String] = []
        for name in friends where model.index(of: name) == nil && !absent.contains(name) { absent.append(name) }
        #expect(board.lookup(friends) == Lookup(entries: model.entries(present), missing: absent), "step \(step): lookup")
    }

    static func randomScore(using random: inout SplitMix64) -> Double {
        switch Int.random(in: 0..<20, using: &random) {
        case 0: return .nan
        case 1: return Bool.random(using: &random) ? .infinity : -.infinity
        case 2..<6: return Double(Int.random(in: -50...50, using: &random))
        default: return scorePool.randomElement(using: &random)!
        }
    }

    static func randomBound(using random: inout SplitMix64) -> ScoreBound {
        let value: Double = Int.random(in: 0..<8, using: &random) == 0
            ? (Bool.random(using: &random) ? .infinity : -.infinity)
            : scorePool.randomElement(using: &random)!
        return ScoreBound(value, inclusive: Bool.random(using: &random))
    }
}
