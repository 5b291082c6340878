extension SkipList {
    /// Gives the entry in slot `entry` the key `newKey` (the same member) and returns the
    /// 0-based ranks it had and has. O(log n + blockCapacity).
    @discardableResult
    mutating func move(at entry: Int, to newKey: SortKey) -> (from: Int, to: Int) {
        move(at: entry, from: predecessors(ofBlock: Int32(entry / blockCapacity)), to: newKey)
    }

    /// ``move(at:to:)`` given the walk to the entry's block, `oldPath`
    /// (``predecessors(ofBlock:)``), and the walk to `newKey`, `newPath`, when it was
    /// taken before. O(log n + blockCapacity).
    ///
    /// A removal and an insertion, with both walks taken before either changes the list:
    /// callers take them while other loads are on their way (the entry's block, the
    /// member's hash bucket). The insertion's walk is then still good unless the removal
    /// unlinked a block (it is taken again); only the ranks of blocks after the removed
    /// entry are one lower.
    mutating func move(at entry: Int, from oldPath: Path, to newKey: SortKey, along newPath: Path? = nil) -> (from: Int, to: Int) {
        var path: Path
        if let newPath {
            path = newPath
        } else {
            path = predecessors(of: newKey)
            // The block the key goes to (unless a split or spill moves it on) loads while
            // the removal works.
            prefetchTarget(of: path)
        }
        let removal = remove(at: entry, predecessors: oldPath)
        guard !removal.unlinked else { return (removal.rank, insert(newKey)) }
        for level in 0..<height where path.ranks[level] > removal.rank {
            path.ranks[level] -= 1
        }
        return (removal.rank, insert(newKey, predecessors: path))
    }
}
