import Testing

@testable import PodiumEngine

/// Chunked reads while the board changes between chunks, as a snapshot reads it.
struct RankCursorTests {
    @Test("every member left alone is read exactly once, as it is", arguments: TieBreak.allCases)
    func unchangedMembersAreReadOnce(tieBreak: TieBreak) throws {
        var random = SplitMix64(seed: 11)
        // Shared 8-byte prefixes and few scores: many entries tie on (score, tie) on
        // `member` boards, so the cursor must step over equal keys by name.
        let pool = (0..<300).map { "samepref-\($0)" }
        for round in 0..<20 {
            var board = try Leaderboard(config: BoardConfig(update: .set, tieBreak: tieBreak), blockCapacity: 4)
            for member in pool.shuffled(using: &random).prefix(150) {
                _ = try board.submit(member: member, score: Double(Int.random(in: 0..<5, using: &random)))
            }
            let before = Dictionary(uniqueKeysWithValues: board.storedEntries.map { ($0.member, $0) })
            var touched: Set<String> = []
            var read: [StoredEntry] = []
            var cursor: RankCursor?
            repeat {
                let chunk = board.storedEntries(after: cursor, limit: Int.random(in: 1...9, using: &random))
                read += chunk.entries
                cursor = chunk.next
                for _ in 0..<Int.random(in: 0...4, using: &random) {
                    let member = pool.randomElement(using: &random)!
                    touched.insert(member)
                    if Bool.random(using: &random) {
                        _ = try board.submit(member: member, score: Double(Int.random(in: 0..<5, using: &random)))
                    } else {
                        board.remove(member: member)
                    }
                }
            } while cursor != nil
            for (member, entry) in before where !touched.contains(member) {
                let copies = read.filter { $0.member == member }
                #expect(copies == [entry], "round \(round): \(member)")
            }
        }
    }

    @Test func chunksOfAQuietBoardAreTheWholeBoardInOrder() throws {
        var board = try Leaderboard(config: BoardConfig(), blockCapacity: 3)
        for index in 0..<100 { _ = try board.submit(member: "m\(index)", score: Double(index % 7)) }
        var read: [StoredEntry] = []
        var cursor: RankCursor?
        repeat {
            let chunk = board.storedEntries(after: cursor, limit: 8)
            read += chunk.entries
            cursor = chunk.next
        } while cursor != nil
        #expect(read == Array(board.storedEntries))
        #expect(board.storedEntries(after: nil, limit: 0).entries.count == 1)
    }
}
