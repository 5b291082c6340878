import Testing

@testable import PodiumEngine

/// The corners the random model test reaches rarely or not at all.
struct LeaderboardEdgeCaseTests {
    @Test func emptyBoardAnswersEveryQuery() throws {
        let board = try Leaderboard()
        #expect(board.count == 0)
        #expect(board.rank(of: "nobody") == nil)
        #expect(board.score(of: "nobody") == nil)
        #expect(board.entry(for: "nobody") == nil)
        #expect(board.entries(offset: 0, limit: 10) == Page(entries: [], total: 0))
        #expect(try board.count(in: ScoreRange()) == 0)
        #expect(try board.entries(in: ScoreRange(), offset: 0, limit: 10) == Page(entries: [], total: 0))
        #expect(board.around(member: "nobody", radius: 3) == nil)
        #expect(board.lookup(["a", "b", "a"]) == Lookup(entries: [], missing: ["a", "b"]))
        #expect(Array(board.storedEntries).isEmpty)
    }

    @Test func oneMemberIsFirstAndBeatsNobody() throws {
        var board = try Leaderboard()
        let update = try board.submit(member: "solo", score: 42)
        #expect(update == ScoreUpdate(
            member: "solo", score: 42, rank: 1, previousScore: nil, previousRank: nil, changed: true, stamp: 1,
            evicted: nil))
        #expect(board.entry(for: "solo") == Entry(member: "solo", score: 42, rank: 1, sharedRank: 1, percentile: 0))
        #expect(board.around(member: "solo", radius: 5)?.map(\.member) == ["solo"])
    }

    @Test func removingTheLastMemberEmptiesTheBoard() throws {
        var board = try Leaderboard(config: BoardConfig(), blockCapacity: 2)
        _ = try board.submit(member: "a", score: 1)
        #expect(board.remove(member: "a") == Removal(member: "a", score: 1, rank: 1))
        #expect(board.count == 0)
        #expect(board.remove(member: "a") == nil)
        board.checkInvariants()
        _ = try board.submit(member: "b", score: 2)
        #expect(board.rank(of: "b") == 1)
        board.checkInvariants()
    }

    @Test("all scores equal: earliest orders by arrival, member by bytes", arguments: TieBreak.allCases)
    func allScoresEqual(tieBreak: TieBreak) throws {
        var board = try Leaderboard(config: BoardConfig(tieBreak: tieBreak), blockCapacity: 3)
        let arrivals = ["delta", "alpha", "charlie", "bravo", "echo", "alph", "alpha2"]
        for member in arrivals { _ = try board.submit(member: member, score: 7) }
        board.checkInvariants()
        let expected = tieBreak == .earliest ? arrivals : arrivals.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let page = board.entries(offset: 0, limit: 100)
        #expect(page.entries.map(\.member) == expected)
        #expect(page.entries.allSatisfy { $0.sharedRank == 1 && $0.percentile == 0 })
        #expect(try board.count(in: ScoreRange(min: ScoreBound(7), max: ScoreBound(7))) == arrivals.count)
        #expect(try board.count(in: ScoreRange(min: ScoreBound(7, inclusive: false))) == 0)
    }

    @Test func negativeZeroIsZero() throws {
        var board = try Leaderboard(config: BoardConfig(update: .set))
        _ = try board.submit(member: "a", score: -0.0)
        _ = try board.submit(member: "b", score: 0.0)
        #expect(board.score(of: "a")?.sign == .plus)
        #expect(board.entry(for: "b")?.sharedRank == 1)
        let unchanged = try board.submit(member: "b", score: -0.0)
        #expect(unchanged.changed == false)
        #expect(try board.count(in: ScoreRange(min: ScoreBound(-0.0), max: ScoreBound(0.0))) == 2)
    }

    @Test func extremeFiniteScoresOrderAndOverflowIsRefused() throws {
        var board = try Leaderboard(config: BoardConfig(update: .increment))
        let scores: [Double] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 0]
        for (index, score) in scores.enumerated() { _ = try board.submit(member: "m\(index)", score: score) }
        #expect(board.entries(offset: 0, limit: 10).entries.map(\.score) == scores.sorted(by: >))
        #expect(throws: LeaderboardError.invalidScore) { try board.submit(member: "m0", score: .greatestFiniteMagnitude) }
        #expect(board.score(of: "m0") == .greatestFiniteMagnitude)
        #expect(try board.count(in: ScoreRange(min: .negativeInfinity, max: .positiveInfinity)) == scores.count)
        #expect(try board.count(in: ScoreRange(min: ScoreBound(.infinity, inclusive: false))) == 0)
        board.checkInvariants()
    }

    @Test func invalidInputIsRefusedAndChangesNothing() throws {
        var board = try Leaderboard()
        _ = try board.submit(member: "kept", score: 1)
        for score in [Double.nan, .infinity, -.infinity] {
            #expect(throws: LeaderboardError.invalidScore) { try board.submit(member: "kept", score: score) }
        }
        for member in ["", String(repeating: "x", count: 129), "tab\there", "nul\u{0}", "del\u{7F}", "c1\u{85}"] {
            #expect(throws: LeaderboardError.invalidMember) { try board.submit(member: member, score: 1) }
        }
        #expect(MemberID.isValid(String(repeating: "é", count: 64)))  // 128 bytes
        #expect(!MemberID.isValid(String(repeating: "é", count: 65)))
        #expect(throws: LeaderboardError.invalidScore) { try board.count(in: ScoreRange(min: ScoreBound(.nan))) }
        #expect(throws: LeaderboardError.invalidMaxSize) { try Leaderboard(config: BoardConfig(maxSize: 0)) }
        #expect(board.count == 1)
        #expect(board.score(of: "kept") == 1)
    }

    @Test func maxSizeOneKeepsOnlyTheBest() throws {
        var board = try Leaderboard(config: BoardConfig(maxSize: 1))
        _ = try board.submit(member: "first", score: 5)
        let worse = try board.submit(member: "worse", score: 4)
        #expect(worse.rank == nil && worse.changed == false && worse.evicted == nil)
        let tie = try board.submit(member: "tie", score: 5)  // later at an equal score: ranks after
        #expect(tie.rank == nil)
        let better = try board.submit(member: "better", score: 6)
        #expect(better.rank == 1 && better.evicted == Removal(member: "first", score: 5, rank: 2))
        #expect(board.entries(offset: 0, limit: 5).entries.map(\.member) == ["better"])
        board.checkInvariants()
    }

    @Test func multibyteMembersRoundTrip() throws {
        var board = try Leaderboard(config: BoardConfig(tieBreak: .member))
        let members = ["日本語のプレイヤー", "👾", "Zoë", "zo\u{308}e", String(repeating: "ß", count: 64)]
        for member in members { _ = try board.submit(member: member, score: 1) }
        #expect(Set(board.entries(offset: 0, limit: 10).entries.map(\.member)) == Set(members))
        for member in members { #expect(board.rank(of: member) != nil) }
        board.checkInvariants()
    }

    @Test func pagesPastTheEndAreEmpty() throws {
        var board = try Leaderboard()
        for index in 0..<5 { _ = try board.submit(member: "m\(index)", score: Double(index)) }
        #expect(board.entries(offset: 5, limit: 10) == Page(entries: [], total: 5))
        #expect(board.entries(offset: Int.max, limit: Int.max) == Page(entries: [], total: 5))
        #expect(board.entries(offset: 3, limit: Int.max).entries.map(\.member) == ["m1", "m0"])
        #expect(board.entries(offset: -4, limit: 1).entries.map(\.member) == ["m4"])
        #expect(try board.entries(in: ScoreRange(), offset: 9, limit: 2) == Page(entries: [], total: 5))
        #expect(try board.entries(in: ScoreRange(), offset: Int.max, limit: Int.max) == Page(entries: [], total: 5))
        #expect(try board.entries(in: ScoreRange(), offset: 4, limit: Int.max).entries.map(\.member) == ["m0"])
        #expect(board.around(member: "m0", radius: Int.max)?.count == 5)
    }

    @Test func sharedRankAndPercentileFollowCompetitionRanking() throws {
        var board = try Leaderboard(config: BoardConfig(), blockCapacity: 2)
        for (member, score) in [("a", 10.0), ("b", 8), ("c", 8), ("d", 8), ("e", 5)] {
            _ = try board.submit(member: member, score: score)
        }
        let page = board.entries(offset: 0, limit: 5).entries
        #expect(page.map(\.sharedRank) == [1, 2, 2, 2, 5])
        #expect(page.map(\.percentile) == [80, 20, 20, 20, 0])
        // A page that starts and ends inside the tie still reports the whole tie.
        #expect(board.entries(offset: 2, limit: 1).entries.first?.sharedRank == 2)
        #expect(board.entries(offset: 2, limit: 1).entries.first?.percentile == 20)
    }

    @Test func bulkBuildRestoresExactlyAndKeepsTheLastDuplicate() throws {
        var live = try Leaderboard(config: BoardConfig(update: .set), blockCapacity: 4)
        var random = SplitMix64(seed: 3)
        for _ in 0..<500 {
            _ = try live.submit(member: "p\(Int.random(in: 0..<200, using: &random))", score: Double(Int.random(in: 0..<30, using: &random)))
        }
        let stored = Array(live.storedEntries)
        let rebuilt = try Leaderboard(config: live.config, entries: stored.shuffled(using: &random) + [stored[0]])
        rebuilt.checkInvariants()
        #expect(Array(rebuilt.storedEntries) == stored)
        #expect(rebuilt.lastStamp == stored.map(\.stamp).max())
        #expect(rebuilt.entries(offset: 0, limit: 1000) == live.entries(offset: 0, limit: 1000))

        var replayed = try Leaderboard(config: live.config, blockCapacity: 4)
        for entry in stored.reversed() { try replayed.restore(entry) }
        replayed.checkInvariants()
        #expect(Array(replayed.storedEntries) == stored)
        #expect(throws: LeaderboardError.invalidStamp) { try replayed.restore(StoredEntry(member: "x", score: 1, stamp: 0)) }

        // Persisted state is taken as it is, even past maxSize (a log holds the evictions).
        let capped = try Leaderboard(config: BoardConfig(maxSize: 10), entries: stored)
        #expect(Array(capped.storedEntries) == stored)
        capped.checkInvariants()
    }

    /// Podium never stamps twice, but a data file may give two members one score and one
    /// stamp: both load, each has one place (member bytes decide), and every query, a
    /// removal and a chunked snapshot read see each exactly once.
    @Test func membersSharingAScoreAndStampKeepOnePlaceEach() throws {
        let shared = (1...9).map { StoredEntry(member: "twin-\($0)", score: 5, stamp: 7) }
        let others = [StoredEntry(member: "before", score: 5, stamp: 3), StoredEntry(member: "after", score: 5, stamp: 8)]
        let expected = ["before"] + (1...9).map { "twin-\($0)" } + ["after"]
        let built = try Leaderboard(config: BoardConfig(), entries: (shared + others).reversed())
        var restored = try Leaderboard(config: BoardConfig(), blockCapacity: 2)
        for entry in (others + shared).reversed() { try restored.restore(entry) }
        for var board in [built, restored] {
            board.checkInvariants()
            #expect(board.entries(offset: 0, limit: 100).entries.map(\.member) == expected)
            #expect(board.rank(of: "twin-4") == 5)
            var read: [String] = [], cursor: RankCursor?
            repeat {
                let chunk = board.storedEntries(after: cursor, limit: 2)
                read += chunk.entries.map(\.member)
                cursor = chunk.next
            } while cursor != nil
            #expect(read == expected)
            #expect(board.remove(member: "twin-4")?.rank == 5)
            board.checkInvariants()
            #expect(board.entries(offset: 0, limit: 100).entries.map(\.member) == expected.filter { $0 != "twin-4" })
            #expect(try board.submit(member: "twin-5", score: 5).changed == false)
            board.checkInvariants()
        }
    }

    @Test func perRequestPolicyOverridesTheBoard() throws {
        var board = try Leaderboard(config: BoardConfig(order: .ascending, update: .best))
        _ = try board.submit(member: "runner", score: 60)
        #expect(try board.submit(member: "runner", score: 70).changed == false)  // slower time: kept
        #expect(try board.submit(member: "runner", score: 55).score == 55)
        #expect(try board.submit(member: "runner", score: 70, policy: .set).score == 70)
        #expect(try board.submit(member: "runner", score: -5, policy: .increment).score == 65)
    }

    @Test("score bounds refuse what is outside and change nothing", arguments: UpdatePolicy.allCases)
    func scoreBoundsRefuseWhatIsOutside(policy: UpdatePolicy) throws {
        var board = try Leaderboard(config: BoardConfig(update: policy, minScore: 0, maxScore: 100))
        _ = try board.submit(member: "ann", score: 40)
        let before = (board.count, board.lastStamp, board.score(of: "ann"))
        for score in [-1.0, 100.5, -0.0001] {
            #expect(throws: LeaderboardError.scoreOutOfBounds) { try board.submit(member: "new", score: score) }
        }
        // best and set are judged on the score asked for; incr on the total it makes.
        #expect(throws: LeaderboardError.scoreOutOfBounds) { try board.submit(member: "ann", score: policy == .increment ? 61 : 101) }
        #expect(throws: LeaderboardError.scoreOutOfBounds) { try board.submit(member: "ann", score: policy == .increment ? -41 : -1) }
        #expect((board.count, board.lastStamp, board.score(of: "ann")) == before)
        #expect(board.score(of: "new") == nil)
        #expect(try board.submit(member: "ann", score: policy == .increment ? 60 : 100).score == 100)
        #expect(try board.submit(member: "bob", score: 0).score == 0)
    }

    @Test func boundsThatAreNotFiniteOrCrossAreRefused() {
        for config in [
            BoardConfig(minScore: 1, maxScore: 0), BoardConfig(minScore: .nan), BoardConfig(maxScore: .infinity),
            BoardConfig(minScore: -.infinity, maxScore: 3),
        ] {
            #expect(throws: LeaderboardError.invalidBounds) { try Leaderboard(config: config) }
        }
        #expect(throws: Never.self) { try Leaderboard(config: BoardConfig(minScore: 5, maxScore: 5)) }
    }

    /// A batch warms the board before its writes with whatever ids it was sent: known,
    /// removed (their buckets emptied, their slots reused by later ids), never seen, empty,
    /// non-ASCII; on blocks smaller than the reads' stride, too.
    @Test(arguments: [2, 4, 64])
    func warmingForABatchReadsAnyIdsSafely(blockCapacity: Int) throws {
        var board = try Leaderboard(config: BoardConfig(), blockCapacity: blockCapacity)
        let ids = (0..<300).map { "m-\($0)" } + ["日本語", "👾 / x", String(repeating: "z", count: 128)]
        board.warm(for: ids)  // an empty board: nothing to fetch
        for (index, id) in ids.enumerated() { _ = try board.submit(member: id, score: Double(index % 17)) }
        for id in ids.prefix(150) { board.remove(member: id) }
        for index in 0..<20 { _ = try board.submit(member: "later-\(index)", score: Double(index)) }
        let before = Array(board.storedEntries)
        board.warm(for: ids + ["never-seen", "", "é"])
        #expect(Array(board.storedEntries) == before)
        board.checkInvariants()
    }
}
