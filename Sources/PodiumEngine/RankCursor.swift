/// A resume point in rank order: just after an entry a chunked reader returned.
///
/// It holds the entry's sort key and member id, not a rank, so it stays put while the
/// board changes between chunks: an entry that does not change between two chunks is
/// returned exactly once, whatever moves around it. Entries that change may be returned
/// twice (older state first) or not at all, which a snapshot paired with the log
/// written after it tolerates.
public struct RankCursor: Sendable, Hashable {
    let score: UInt64
    let tie: UInt64
    let member: String
}

extension Leaderboard {
    /// Up to `limit` (at least 1) entries in rank order after `cursor` (from the best when
    /// `nil`), and the cursor after the last of them (`nil` at the end of the board).
    /// O(log n + limit), plus the entries that share the cursor's `(score, tie)`.
    public func storedEntries(after cursor: RankCursor?, limit: Int) -> (entries: [StoredEntry], next: RankCursor?) {
        var location: SkipList.Location?
        if let cursor {
            // Entries strictly before the cursor's (score, tie), then past those equal to
            // it up to and including the cursor's member (bytewise on `member` boards).
            let start = list.countBefore(SortKey(score: cursor.score, tie: cursor.tie, member: SortKey.boundMember))
            location = start < count ? list.locate(index: start) : nil
            var cursorBytes = Array(cursor.member.utf8)
            while let current = location {
                let key = list.key(at: list.slot(current.block, current.position))
                guard key.score == cursor.score, key.tie == cursor.tie else { break }
                let isAfter = cursorBytes.withUnsafeMutableBufferPointer { wanted in
                    list.names.withBytes(of: key.member) { UnsafeBufferPointer(wanted).lexicographicallyPrecedes($0) }
                }
                if isAfter { break }
                location = list.successor(of: current)
            }
        } else if count > 0 {
            location = list.locate(index: 0)
        }
        let limit = max(1, limit)
        var entries: [StoredEntry] = []
        entries.reserveCapacity(min(limit, count))
        var last: SortKey?
        while let current = location, entries.count < limit {
            let key = list.key(at: list.slot(current.block, current.position))
            entries.append(storedEntry(key))
            last = key
            location = list.successor(of: current)
        }
        guard let last, location != nil else { return (entries, nil) }
        return (entries, RankCursor(score: last.score, tie: last.tie, member: list.names.name(of: last.member)))
    }

    func storedEntry(_ key: SortKey) -> StoredEntry {
        StoredEntry(
            member: list.names.name(of: key.member), score: config.order.score(fromSortScore: key.score),
            stamp: config.tieBreak == .earliest ? key.tie : 0)
    }
}
