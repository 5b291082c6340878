extension SkipList {
    /// Gives the entry in slot `entry` the key `newKey` (the same member) and returns the
    /// 0-based ranks it had and has. O(log n + blockCapacity).
    ///
    /// Both walks are taken at once, interleaved step by step: the two chains of block
    /// headers are independent, so the CPU waits for their cache misses together rather
    /// than one walk's after the other's (at 1M members an increment, whose new key is
    /// known only once the old one is, took ~7% longer with the walks one after the other).
    @discardableResult
    mutating func move(at entry: Int, to newKey: SortKey) -> (from: Int, to: Int) {
        let (oldPath, newPath) = predecessors(of: key(at: entry), and: newKey)
        // The block the key goes to (unless a split or spill moves it on) loads while the
        // removal works.
        prefetchTarget(of: newPath)
        return move(at: entry, from: oldPath, to: newKey, along: newPath)
    }

    /// ``move(at:to:)`` given both walks, taken before: to the entry's block or key,
    /// `oldPath`, and to `newKey`, `newPath`. O(height + blockCapacity).
    ///
    /// A removal and an insertion, with both walks taken before either changes the list.
    /// The insertion's walk is then still good unless the removal unlinked a block (it is
    /// taken again); only the ranks of blocks after the removed entry are one lower.
    @inline(__always)
    mutating func move(at entry: Int, from oldPath: Path, to newKey: SortKey, along newPath: Path) -> (from: Int, to: Int) {
        let removal = remove(at: entry, predecessors: oldPath)
        guard !removal.unlinked else { return (removal.rank, insert(newKey)) }
        var path = newPath
        for level in 0..<height where path.ranks[level] > removal.rank {
            path.ranks[level] -= 1
        }
        return (removal.rank, insert(newKey, predecessors: path))
    }

    /// ``predecessors(of:)`` of `a` and of `b`, the two walks interleaved step by step.
    /// O(log n).
    func predecessors(of a: SortKey, and b: SortKey) -> (Path, Path) {
        var pathA = Path(), pathB = Path()
        var blockA = Self.head, rankA = 0, blockB = Self.head, rankB = 0
        var level = height
        while level > 0 {
            level -= 1
            var walkingA = true, walkingB = true
            while walkingA || walkingB {
                if walkingA { walkingA = step(&blockA, &rankA, level: level, towards: a) }
                if walkingB { walkingB = step(&blockB, &rankB, level: level, towards: b) }
            }
            pathA.blocks[level] = blockA
            pathA.ranks[level] = rankA
            pathB.blocks[level] = blockB
            pathB.ranks[level] = rankB
        }
        return (pathA, pathB)
    }
}
