import PodiumEngine
import Testing

/// `Leaderboard.memoryFootprint`: the engine's own count of a board's memory.
struct MemoryFootprintTests {
    /// Each member costs its name slot (20 bytes) and its entry (score, tie and id: 20
    /// bytes) in blocks ~80% full, plus its share of the hash index: between 40 and 80
    /// bytes used, and the arrays' capacities at least that.
    @Test func aBoardCountsEachMembersSlotEntryAndIndexShare() throws {
        var board = try Leaderboard()
        let empty = board.memoryFootprint
        #expect(empty.reservedBytes >= empty.usedBytes)
        var random = SplitMix64(seed: 7)
        let members = 20_000
        for index in 0..<members {
            _ = try board.submit(member: "player \(index) 👾", score: Double(random.next() % 1_000_000))
        }
        let full = board.memoryFootprint
        let usedPerMember = Double(full.usedBytes - empty.usedBytes) / Double(members)
        #expect(usedPerMember >= 40 && usedPerMember <= 80, "used \(usedPerMember) bytes a member")
        #expect(full.reservedBytes >= full.usedBytes)
    }

    /// Ids longer than the 15 bytes a name slot holds inline are counted where they are
    /// kept: a board of ~120-byte ids uses at least 100 bytes more a member.
    @Test func longIdsAreCounted() throws {
        var short = try Leaderboard(), long = try Leaderboard()
        for index in 0..<1_000 {
            _ = try short.submit(member: "p\(index)", score: Double(index))
            _ = try long.submit(member: String(repeating: "é", count: 60) + "\(index)", score: Double(index))
        }
        #expect(long.memoryFootprint.usedBytes - short.memoryFootprint.usedBytes >= 1_000 * 100)
    }
}
