/// Whole-board access for persistence: iteration in rank order and a bulk build.
extension Leaderboard {
    /// A board holding `entries` exactly (scores and stamps as persisted), built by sorting
    /// and filling blocks directly: O(n log n), several times faster than n inserts.
    /// A member listed twice keeps its last entry. `maxSize` is not applied: persisted
    /// state is taken as it is (writes enforce the bound and a log records evictions, and
    /// a snapshot taken while writes go on may briefly hold more than the bound).
    public init(config: BoardConfig, entries: some Sequence<StoredEntry>) throws {
        try self.init(config: config)
        let earliest = config.tieBreak == .earliest
        // Indexed by member: a fresh table hands out indices 0, 1, 2, ... in order.
        var keys: [SortKey] = []
        keys.reserveCapacity(entries.underestimatedCount)
        for entry in entries {
            guard entry.score.isFinite else { throw LeaderboardError.invalidScore }
            guard !earliest || (entry.stamp > 0 && entry.stamp < .max) else { throw LeaderboardError.invalidStamp }
            var member = entry.member
            let key = try member.withUTF8 { bytes in
                guard MemberID.isValid(bytes) else { throw LeaderboardError.invalidMember }
                let id = self.list.names.find(bytes) ?? self.list.names.insert(bytes)
                let tie = earliest ? entry.stamp : memberPrefix(bytes)
                return SortKey(score: config.order.sortScore(entry.score), tie: tie, member: id)
            }
            if Int(key.member) == keys.count { keys.append(key) } else { keys[Int(key.member)] = key }
            if earliest { self.lastStamp = max(self.lastStamp, entry.stamp) }
        }
        let order = self.list
        keys.sort { order.precedes($0, $1) }
        self.list.build(fromSorted: keys)
    }

    /// Every entry in rank order with its stamp: what a snapshot stores. O(1) to create,
    /// O(1) per element; it iterates a copy, so later writes to the board do not show.
    public var storedEntries: StoredEntries { StoredEntries(board: self) }

    public struct StoredEntries: Sequence, Sendable {
        let board: Leaderboard

        public var underestimatedCount: Int { board.count }

        public func makeIterator() -> Iterator {
            Iterator(board: board, location: board.count > 0 ? board.list.locate(index: 0) : nil)
        }

        public struct Iterator: IteratorProtocol, Sendable {
            let board: Leaderboard
            var location: SkipList.Location?

            public mutating func next() -> StoredEntry? {
                guard let current = location else { return nil }
                location = board.list.successor(of: current)
                return board.storedEntry(board.list.key(at: board.list.slot(current.block, current.position)))
            }
        }
    }
}
