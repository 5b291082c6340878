import Testing

@testable import PodiumEngine

/// How full the skip list keeps its blocks, which is most of a member's memory: a full
/// block spills into its successor, or the two become three, so random writes leave
/// blocks over three quarters full, where splitting in two left them at ~70%.
struct SkipListFillTests {
    @Test func randomInsertsAndMovesKeepBlocksOverThreeQuartersFull() {
        var list = SkipList(blockCapacity: Leaderboard.defaultBlockCapacity)
        var random = SplitMix64(seed: 96)
        let members = 40_000
        var stamp: UInt64 = 0
        for member in 0..<members {
            stamp += 1
            var name = "member \(member) 👾"
            let id = name.withUTF8 { list.names.intern($0) }
            list.insert(SortKey(score: random.next(), tie: stamp, member: id))
        }
        let afterInserts = fill(of: list)
        for _ in 0..<members {
            stamp += 1
            let id = UInt32(random.next() % UInt64(members))
            list.move(at: list.entrySlot(of: id), to: SortKey(score: random.next(), tie: stamp, member: id))
        }
        let afterMoves = fill(of: list)
        list.checkInvariants()
        #expect(afterInserts >= 0.78, "blocks \(afterInserts) full after random inserts")
        #expect(afterMoves >= 0.75, "blocks \(afterMoves) full after random moves")
    }

    /// Members joining behind everyone (on a descending board, new members at 0): each
    /// block they pass is left full.
    @Test func joinsAtTheEndFillBlocks() {
        var list = SkipList(blockCapacity: Leaderboard.defaultBlockCapacity)
        for member in 0..<20_000 {
            var name = "member \(member)"
            let id = name.withUTF8 { list.names.intern($0) }
            list.insert(SortKey(score: 0, tie: UInt64(member + 1), member: id))
        }
        list.checkInvariants()
        #expect(fill(of: list) >= 0.98, "blocks \(fill(of: list)) full")
    }

    /// Entries over the entry slots of the blocks in use.
    private func fill(of list: SkipList) -> Double {
        let blocksInUse = list.counts.count - 1 - list.freeBlocks.count
        return Double(list.count) / Double(blocksInUse * list.blockCapacity)
    }
}
