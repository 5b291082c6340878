extension SkipList {
    /// Gives the entry in slot `entry` the key `newKey` (the same member) and returns the
    /// 0-based ranks it had and has. O(log n + blockCapacity).
    @discardableResult
    mutating func move(at entry: Int, to newKey: SortKey) -> (from: Int, to: Int) {
        move(at: entry, from: predecessors(ofBlock: Int32(entry / blockCapacity)), to: newKey)
    }

    /// ``move(at:to:)`` given the walk to the entry's block, `oldPath`
    /// (``predecessors(ofBlock:)``: its strict predecessors), from which the walk to
    /// `newKey` is found: a score that moves a little (an increment, mostly) stays in its
    /// block or walks a few blocks. O(log n + blockCapacity).
    @inline(__always)
    mutating func move(at entry: Int, from oldPath: Path, to newKey: SortKey) -> (from: Int, to: Int) {
        if let ranks = moveWithinBlock(at: entry, from: oldPath, to: newKey) { return ranks }
        let newPath = predecessors(of: newKey, from: oldPath)
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
    /// taken again); only the ranks of blocks after the removed entry are one lower. A
    /// walk that ends at the entry's own block keeps the key there.
    @inline(__always)
    mutating func move(at entry: Int, from oldPath: Path, to newKey: SortKey, along newPath: Path) -> (from: Int, to: Int) {
        if newPath.blocks[0] == Int32(entry / blockCapacity) {
            // The block's first key ranks before `newKey`, its successor's does not.
            return reposition(entry, to: newKey, at: targetPosition(movingEntry: entry, to: newKey), blockRank: newPath.ranks[0])
        }
        let removal = remove(at: entry, predecessors: oldPath)
        guard !removal.unlinked else { return (removal.rank, insert(newKey)) }
        var path = newPath
        for level in 0..<height where path.ranks[level] > removal.rank {
            path.ranks[level] -= 1
        }
        return (removal.rank, insert(newKey, predecessors: path))
    }

    /// ``move(at:from:to:)`` of an entry whose new key stays in its block, found from the
    /// block's and its neighbours' keys; `nil`, changing nothing, when `newKey` belongs in
    /// another block. O(log blockCapacity + the entries passed).
    ///
    /// An increment mostly passes a few entries, not a block's worth: no second walk, no
    /// removal and insertion with their spans and shifts of half a block each.
    private mutating func moveWithinBlock(at entry: Int, from oldPath: Path, to newKey: SortKey) -> (from: Int, to: Int)? {
        let block = Int32(entry / blockCapacity), position = entry % blockCapacity
        // A key past the block's front or its successor's goes the general way (from the
        // headers, before any search): past the front, unless the entry opens the block,
        // would need the predecessor's last key, and a long move is not worth the search.
        let next = link(block, 0).next
        if next != Self.none, startsBefore(next, newKey) { return nil }
        if position > 0, !startsBefore(block, newKey) { return nil }
        let target = targetPosition(movingEntry: entry, to: newKey)
        if target == 0 {
            // The entry opens the block and stays in front: the key must follow the
            // predecessor's.
            let before = oldPath.blocks[0]
            guard before == Self.head || precedes(key(at: slot(before, Int(counts[Int(before)]) - 1)), newKey) else { return nil }
        }
        return reposition(entry, to: newKey, at: target, blockRank: firstRank(of: block, predecessors: oldPath))
    }

    /// The position in the block of slot `entry` that `newKey` takes when the entry moves
    /// to it there. O(log blockCapacity).
    private func targetPosition(movingEntry entry: Int, to newKey: SortKey) -> Int {
        // The old key is counted when it ranks before the new one, and then every entry
        // before it is too.
        let bound = lowerBound(newKey, in: Int32(entry / blockCapacity))
        return bound > entry % blockCapacity ? bound - 1 : bound
    }

    /// Moves the entry in slot `entry` to position `target` of its block with key `newKey`,
    /// shifting the entries between by one; returns its 0-based ranks before and after,
    /// given the block's, `blockRank`. No span changes. O(the entries passed).
    private mutating func reposition(_ entry: Int, to newKey: SortKey, at target: Int, blockRank: Int) -> (from: Int, to: Int) {
        let block = Int32(entry / blockCapacity), position = entry % blockCapacity
        if target < position {
            moveEntries(from: slot(block, target), to: slot(block, target + 1), count: position - target)
        } else if target > position {
            moveEntries(from: slot(block, position + 1), to: slot(block, position), count: target - position)
        }
        setKey(newKey, at: slot(block, target))
        refreshFirstScore(block)
        return (blockRank + position, blockRank + target)
    }

    /// ``predecessors(of:)`` of `key`, found from `finger`, a walk of the same list to
    /// another key or block. O(log d) expected, for d blocks between the two: a score that
    /// moves a little (an increment) walks a few blocks instead of from the head.
    ///
    /// A walk may go on from any block of its level that opens before `key`, as long as
    /// the levels above are `key`'s walk already. `finger` is, from the lowest level where
    /// its block opens before `key` and its successor does not: its blocks above that lie
    /// no later, and their successors no earlier. So the walk starts at the lowest level
    /// whose block opens before `key` with such a level above it (from the head at the top
    /// when there is none).
    func predecessors(of key: SortKey, from finger: Path) -> Path {
        func opensBefore(_ block: Int32) -> Bool { block == Self.head || startsBefore(block, key) }
        func holds(_ level: Int) -> Bool {
            let block = finger.blocks[level], next = link(block, level).next
            return opensBefore(block) && (next == Self.none || !startsBefore(next, key))
        }
        var level = 0
        while level < height - 1, !(opensBefore(finger.blocks[level]) && holds(level + 1)) { level += 1 }
        var path = finger
        var block = finger.blocks[level], rank = finger.ranks[level]
        if !opensBefore(block) { (block, rank) = (Self.head, 0) }
        // The loop of `descend`, written out: called through it, increments and best
        // scores were 2-7% slower at 10k members (3 pairs), the inlining around it worse.
        while true {
            while step(&block, &rank, level: level, towards: key) {}
            path.blocks[level] = block
            path.ranks[level] = rank
            if level == 0 { return path }
            level -= 1
        }
    }
}
