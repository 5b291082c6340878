extension SkipList {
    /// Removes the entry in slot `entry` and returns the 0-based rank it had.
    /// O(log n + blockCapacity).
    ///
    /// An emptied block is unlinked and reused. A block that shrinks so far that it and
    /// its successor fit in half a block absorbs the successor, so removals cannot leave a
    /// long list of nearly empty blocks behind.
    @discardableResult
    mutating func remove(at entry: Int) -> Int {
        remove(at: entry, predecessors: predecessors(ofBlock: Int32(entry / blockCapacity))).rank
    }

    /// ``remove(at:)`` given the walk to the entry's block, `predecessors`
    /// (``predecessors(ofBlock:)``, or ``predecessors(of:)`` of the entry's key); also says
    /// whether a block was unlinked (emptied, or merged into its predecessor), which
    /// makes other walks of the list taken before stale. O(height + blockCapacity).
    mutating func remove(at entry: Int, predecessors: Path) -> (rank: Int, unlinked: Bool) {
        let block = Int32(entry / blockCapacity), position = entry % blockCapacity
        let rank = firstRank(of: block, predecessors: predecessors)
        closeGap(in: block, at: position)
        addToSpans(over: block, predecessors: predecessors, -1)
        count -= 1

        if counts[Int(block)] == 0 {
            // Its only entry opened it, so `predecessors` are its own.
            unlink(block, predecessors: predecessors)
            return (rank + position, true)
        }
        let successor = link(block, 0).next
        if successor != Self.none, Int(counts[Int(block)] + counts[Int(successor)]) <= blockCapacity / 2 {
            let kept = Int(counts[Int(block)]), moved = Int(counts[Int(successor)])
            copyEntries(from: slot(successor, 0), to: slot(block, kept), count: moved)
            counts[Int(block)] += Int32(moved)
            counts[Int(successor)] = 0
            unlink(successor, predecessors: covers(of: block, rank: rank, predecessors: predecessors))
            return (rank + position, true)
        }
        return (rank + position, false)
    }

    /// Removes the entry at `position` of `block`, shifting later ones down. O(blockCapacity).
    private mutating func closeGap(in block: Int32, at position: Int) {
        let target = slot(block, position)
        moveEntries(from: target + 1, to: target, count: Int(counts[Int(block)]) - position - 1)
        counts[Int(block)] -= 1
        refreshFirstScore(block)
    }

    /// Unlinks empty `block` and frees it; `predecessors` holds, per level, the last block
    /// before it. O(height).
    private mutating func unlink(_ block: Int32, predecessors: Path) {
        for level in 0..<Int(levels[Int(block)]) {
            let removed = link(block, level)
            let previous = predecessors.blocks[level]
            setLink(previous, level, Link(next: removed.next, span: link(previous, level).span + removed.span))
            setLink(block, level, Link(next: Self.none, span: 0))
        }
        if levels[Int(block)] > 2 { freeTowers[Int(levels[Int(block)])].append(towers[Int(block)]) }
        freeBlocks.append(block)
        while height > 1, link(Self.head, height - 1).next == Self.none { height -= 1 }
    }
}
