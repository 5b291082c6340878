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
        var hashes: [Int] = []
        hashes.reserveCapacity(members.count)
        for var member in members {
            let hash = member.withUTF8 { MemberTable.hash($0) }
            list.names.prefetchBuckets(ofHash: hash)
            hashes.append(hash)
        }
        // Each stage reads what the one before fetched, and fetches what the next reads.
        var ids: [UInt32] = []
        ids.reserveCapacity(hashes.count)
        for hash in hashes {
            guard let id = list.names.candidate(ofHash: hash) else { continue }
            list.names.prefetchSlot(of: id)
            ids.append(id)
        }
        for id in ids { list.prefetchEntries(of: list.block(of: id)) }
    }
}
