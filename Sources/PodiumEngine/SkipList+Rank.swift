/// Rank queries: the span walks of Redis's `zslGetRank` and `zslGetElementByRank`.
extension SkipList {
    /// Where an entry sits: its block, its index there, and the entries before the block.
    struct Location {
        var block: Int32
        var position: Int
        var blockRank: Int

        /// Entries before this one in rank order (its 0-based rank).
        var index: Int { blockRank + position }
    }

    /// Where `member`'s entry sits. O(log n + blockCapacity).
    ///
    /// Walks for the block's rank before scanning the block for the entry, with the
    /// block's ids prefetched first: their cache miss overlaps the walk's.
    func locate(member: UInt32) -> Location {
        let block = block(of: member)
        prefetchIDs(of: block)
        let blockRank = rank(ofBlock: block)
        return Location(block: block, position: entrySlot(of: member) % blockCapacity, blockRank: blockRank)
    }

    /// The slot of `member`'s entry: a scan of its block, no walk. O(blockCapacity).
    ///
    /// Compares 8 ids at a time (measured: 139 -> 59 instructions a call). Slots past the
    /// block's count hold stale ids, but the live entry comes first.
    func entrySlot(of member: UInt32) -> Int {
        let start = slot(block(of: member), 0), end = start + blockCapacity
        return members.withUnsafeBufferPointer { ids in
            var entry = start
            if let base = UnsafeRawPointer(ids.baseAddress) {
                let wanted = SIMD8<UInt32>(repeating: member)
                while entry + 8 <= end {
                    let hits = base.loadUnaligned(fromByteOffset: entry * 4, as: SIMD8<UInt32>.self) .== wanted
                    if any(hits) { break }
                    entry += 8
                }
            }
            while ids[entry] != member { entry += 1 }
            return entry
        }
    }

    /// Entries before `target`: a walk from the head towards its first key that stops as
    /// soon as it reaches the block. O(log n).
    ///
    /// The walk compares first scores, from block headers (the target's included); a first
    /// entry's whole key is read only when two first scores are equal. Reading the target's
    /// whole key up front cost two cache misses more at 1M members (its score and tie lines).
    func rank(ofBlock target: Int32) -> Int {
        let score = firstScore(target)
        var block = Self.head, rank = 0
        var level = height
        while level > 0 {
            level -= 1
            if advance(&block, &rank, level: level, towards: target, score: score) {
                return rank + Int(link(block, level).span)
            }
        }
        preconditionFailure("block \(target) is not linked")
    }

    /// Per level, the last block before `target`, with its rank: the walk a removal from
    /// `target` needs, taken like ``rank(ofBlock:)``'s (to the lowest level), so that it
    /// runs while `target`'s entries load. O(log n).
    func predecessors(ofBlock target: Int32) -> Path {
        let score = firstScore(target)
        var path = Path()
        var block = Self.head, rank = 0
        var level = height
        while level > 0 {
            level -= 1
            advance(&block, &rank, level: level, towards: target, score: score)
            path.blocks[level] = block
            path.ranks[level] = rank
        }
        return path
    }

    /// Follows `block`'s links at `level`, counting their spans into `rank`, while they
    /// lead to blocks that open before `target`, whose first score is `score`; whether the
    /// last link leads to `target` itself. O(steps).
    @inline(__always) @discardableResult
    private func advance(_ block: inout Int32, _ rank: inout Int, level: Int, towards target: Int32, score: UInt64) -> Bool {
        while true {
            let link = self.link(block, level)
            if link.next == target { return true }
            guard link.next != Self.none, opensBefore(link.next, target, score: score) else { return false }
            rank += Int(link.span)
            block = link.next
        }
    }

    /// Whether `block`'s first entry ranks before `target`'s, whose first score is `score`:
    /// whole first keys are read only when the first scores are equal. O(1).
    @inline(__always)
    private func opensBefore(_ block: Int32, _ target: Int32, score: UInt64) -> Bool {
        let first = firstScore(block)
        return first < score || (first == score && precedes(firstKey(block), firstKey(target)))
    }

    /// The 0-based rank of `block`'s first entry, given a walk that ended at `block` or
    /// at its predecessor (``predecessors(of:)`` of one of its keys, or
    /// ``predecessors(ofBlock:)``). O(1).
    @inline(__always)
    func firstRank(of block: Int32, predecessors: Path) -> Int {
        let before = predecessors.blocks[0]
        return predecessors.ranks[0] + (before == block ? 0 : Int(counts[Int(before)]))
    }

    /// Where the entry with 0-based rank `index` sits; `index` must be below `count`.
    /// O(log n).
    func locate(index: Int) -> Location {
        var block = Self.head, rank = 0
        var level = height
        while level > 0 {
            level -= 1
            while true {
                let link = self.link(block, level)
                guard link.next != Self.none, rank + Int(link.span) <= index else { break }
                rank += Int(link.span)
                block = link.next
            }
        }
        // `block` is the last block starting at or before `index`.
        return Location(block: block, position: index - rank, blockRank: rank)
    }

    /// Entries that rank before `key`. O(log n + log blockCapacity).
    func countBefore(_ key: SortKey) -> Int {
        let path = predecessors(of: key)
        let block = path.blocks[0]
        if block == Self.head { return 0 }
        return path.ranks[0] + lowerBound(key, in: block)
    }

    /// The location after `location`, or `nil` at the end. O(1).
    func successor(of location: Location) -> Location? {
        if location.position + 1 < Int(counts[Int(location.block)]) {
            return Location(block: location.block, position: location.position + 1, blockRank: location.blockRank)
        }
        let next = link(location.block, 0).next
        if next == Self.none { return nil }
        return Location(block: next, position: 0, blockRank: location.blockRank + Int(counts[Int(location.block)]))
    }
}
