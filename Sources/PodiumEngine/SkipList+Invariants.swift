extension SkipList {
    /// Checks the structure: entries in strict rank order within and across blocks, no
    /// empty linked block, spans that add up to ranks on every level, links only within a
    /// block's height, the member index pointing at each entry's block, and the counts.
    /// O(n log n). Traps with a message on the first violation.
    func checkInvariants() {
        precondition(height >= 1 && height <= Self.maxLevel, "height \(height)")
        // Level 0: ranks of every linked block, order and member index.
        var rankOfBlock: [Int32: Int] = [Self.head: 0]
        var block = link(Self.head, 0).next, rank = 0
        var previous: SortKey?
        while block != Self.none {
            let size = Int(counts[Int(block)])
            precondition(size >= 1 && size <= blockCapacity, "block \(block) holds \(size)")
            precondition(levels[Int(block)] >= 1 && Int(levels[Int(block)]) <= height, "block \(block) level")
            rankOfBlock[block] = rank
            precondition(firstScore(block) == scores[slot(block, 0)], "stale first score of block \(block)")
            for position in 0..<size {
                let key = key(at: slot(block, position))
                if let previous {
                    precondition(precedes(previous, key), "order broken at rank \(rank + position)")
                }
                precondition(self.block(of: key.member) == block, "member \(key.member) indexed in the wrong block")
                previous = key
            }
            rank += size
            block = link(block, 0).next
        }
        precondition(rank == count, "count \(count), linked entries \(rank)")
        // Every level: links go forward to blocks tall enough, spans are rank differences.
        for level in 0..<height {
            var block = Self.head
            while true {
                let link = self.link(block, level)
                precondition(Int(levels[Int(block)]) > level, "block \(block) linked above its height")
                let nextRank = link.next == Self.none ? count : rankOfBlock[link.next] ?? -1
                precondition(nextRank >= 0, "level \(level) links to unlinked block \(link.next)")
                let blockRank = rankOfBlock[block] ?? -1
                precondition(Int(link.span) == nextRank - blockRank, "span of \(block) at level \(level)")
                if link.next == Self.none { break }
                precondition(nextRank > blockRank || block == Self.head, "level \(level) goes backwards")
                block = link.next
            }
        }
        precondition(
            height == 1 || link(Self.head, height - 1).next != Self.none, "top level \(height - 1) is empty")
    }
}
