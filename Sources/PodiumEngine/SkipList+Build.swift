extension SkipList {
    /// Fills an empty list with `keys`, which must be in strict rank order, block by
    /// block: no searches, no shifts. Blocks are left 7/8 full so the first inserts do not
    /// split at once. O(n).
    mutating func build(fromSorted keys: [SortKey]) {
        precondition(count == 0, "build needs an empty list")
        let perBlock = max(1, blockCapacity * 7 / 8)
        reserve(blocks: (keys.count + perBlock - 1) / perBlock)
        // Per level, the last block linked so far and its rank.
        var last = InlineArray<16, Int32>(repeating: Self.head)
        var lastRank = InlineArray<16, Int>(repeating: 0)
        var index = 0
        while index < keys.count {
            let block = allocateBlock()
            let level = Int(levels[Int(block)])
            raiseHeight(to: level)
            let size = min(perBlock, keys.count - index)
            for position in 0..<size {
                let key = keys[index + position]
                setKey(key, at: slot(block, position))
                setBlock(block, of: key.member)
            }
            counts[Int(block)] = Int32(size)
            refreshFirstScore(block)
            for level in 0..<level {
                setLink(last[level], level, Link(next: block, span: Int32(index - lastRank[level])))
                last[level] = block
                lastRank[level] = index
            }
            index += size
        }
        count = keys.count
        for level in 0..<height {
            setLink(last[level], level, Link(next: Self.none, span: Int32(count - lastRank[level])))
        }
    }
}
