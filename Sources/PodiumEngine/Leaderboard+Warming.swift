/// Warming a board for a batch of writes: at 1M members a write waits on a chain of
/// cache misses (the id's hash bucket, its name slot, its block's entries), each load
/// needing the one before. The writes of a batch run one after another, so their chains
/// do too. Fetched in stages across the whole batch first (every bucket, then every slot,
/// then every block), the loads of different members do not wait on each other and their
/// misses overlap; the writes then find those lines in cache.
extension Leaderboard {
    /// Prefetches what writing to `members` reads first, changing nothing.
    /// O(k · blockCapacity) for k members.
    public func warm(for members: [String]) {
        var buckets: [Int] = []
        buckets.reserveCapacity(members.count)
        for var member in members {
            let bucket = member.withUTF8 { list.names.bucket(of: $0) }
            list.names.prefetchBucket(bucket)
            buckets.append(bucket)
        }
        // Each stage reads what the one before fetched, and fetches what the next reads.
        var ids: [UInt32] = []
        ids.reserveCapacity(buckets.count)
        for bucket in buckets {
            guard let id = list.names.member(inBucket: bucket) else { continue }
            list.names.prefetchSlot(of: id)
            ids.append(id)
        }
        for id in ids { list.prefetchEntries(of: list.block(of: id)) }
    }
}
