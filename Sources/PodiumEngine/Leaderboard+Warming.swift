/// Warming a board for a batch of writes: at 1M members a write waits on a chain of
/// cache misses (the id's hash bucket, its name slot, its block's ids, its entry), each
/// load needing the one before. The writes of a batch run one after another, so their
/// chains do too. Read in stages across the whole batch first (every bucket, then every
/// slot, then every block), the loads of different members do not wait on each other and
/// their misses overlap; the writes then find those lines in cache.
extension Leaderboard {
    /// Reads what writing to `members` reads first, changing nothing. Returns a value made
    /// of what it read, so that the reads are kept. O(k · blockCapacity) for k members.
    @inline(never)
    public func warm(for members: [String]) -> UInt64 {
        var buckets: [Int] = []
        buckets.reserveCapacity(members.count)
        for var member in members {
            buckets.append(member.withUTF8 { list.names.bucket(of: $0) })
        }
        var blocks: [Int32] = []
        blocks.reserveCapacity(members.count)
        // Each stage's loads depend only on the stage before, not on one another.
        for bucket in buckets {
            guard let member = list.names.member(inBucket: bucket) else { continue }
            blocks.append(list.block(of: member))
        }
        var seen: UInt64 = 0
        for block in blocks where block > SkipList.head && Int(block) < list.counts.count {
            seen &+= list.touchHeaderAndIDs(of: block)
        }
        return seen
    }
}

extension SkipList {
    /// Reads `block`'s header and its member ids, one word per cache line. O(blockCapacity).
    func touchHeaderAndIDs(of block: Int32) -> UInt64 {
        var seen = firstScore(block)
        let start = slot(block, 0)
        for position in stride(from: 0, to: blockCapacity, by: 16) {
            seen &+= UInt64(members[start + position])
        }
        return seen
    }
}
