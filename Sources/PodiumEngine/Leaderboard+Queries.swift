/// Reads: standings of members, pages by rank and by score, counts.
extension Leaderboard {
    /// `member`'s score, or `nil` when it is not on the board. O(blockCapacity): no walk.
    public func score(of member: String) -> Double? {
        guard let id = find(member) else { return nil }
        // The block's scores load while its ids are scanned: one wait, not two.
        list.prefetchScores(of: list.block(of: id))
        return config.order.score(fromSortScore: list.scores[list.entrySlot(of: id)])
    }

    /// `member`'s 1-based rank, or `nil` when it is not on the board. O(log n + blockCapacity).
    public func rank(of member: String) -> Int? {
        guard let id = find(member) else { return nil }
        return list.locate(member: id).index + 1
    }

    /// `member`'s full standing, or `nil` when it is not on the board. O(log n + blockCapacity).
    public func entry(for member: String) -> Entry? {
        // Not `find(member).map(entry(of:))`: the method reference copies the board (a
        // retain and a release of each of its arrays, measured in a rank read's profile).
        guard let id = find(member) else { return nil }
        return entry(of: id)
    }

    /// The standing of the member `update` wrote, read off the rank the write returned
    /// rather than walked for again; `nil` when the member is not on the board. `update`
    /// must be the board's last write. O(blockCapacity) but when tied scores span blocks:
    /// O(log n) then.
    public func entry(after update: ScoreUpdate) -> Entry? {
        guard let rank = update.rank, let id = find(update.member) else { return nil }
        let slot = list.entrySlot(of: id)
        let position = slot % list.blockCapacity
        let location = SkipList.Location(block: Int32(slot / list.blockCapacity), position: position, blockRank: rank - 1 - position)
        return entry(at: location, named: update.member)
    }

    /// The standing of interned member `id`. O(log n + blockCapacity).
    private func entry(of id: UInt32) -> Entry {
        // Its score and its neighbours' load during the walk, not after it.
        list.prefetchScores(of: list.block(of: id))
        return entry(at: list.locate(member: id), named: nil)
    }

    /// The standing of the entry at `location`, named `member` when the caller has its
    /// name (else it is read from the board). O(blockCapacity), O(log n) when tied scores
    /// span blocks.
    private func entry(at location: SkipList.Location, named member: String?) -> Entry {
        let sortScore = list.scores[list.slot(location.block, location.position)]
        return makeEntry(
            at: location, sharedRank: sharedRank(at: location, sortScore: sortScore),
            worse: worseCount(at: location, sortScore: sortScore), withMetadata: !metadata.isEmpty, named: member)
    }

    /// A friends leaderboard: the entries of those of `members` on the board, best first,
    /// and the ids not on it, in request order. An id asked for twice is answered once; ids
    /// are told apart by their bytes, as everywhere on a board (an NFC and an NFD spelling
    /// are two members). O(k (log n + blockCapacity + log k)) for k members.
    public func lookup(_ members: [String]) -> Lookup {
        var found: Set<UInt32> = [], entries: [Entry] = []
        var missingBytes: Set<[UInt8]> = [], missing: [String] = []
        for member in members {
            if let id = find(member) {
                if found.insert(id).inserted { entries.append(entry(of: id)) }
            } else if missingBytes.insert(Array(member.utf8)).inserted {
                missing.append(member)
            }
        }
        entries.sort { $0.rank < $1.rank }
        return Lookup(entries: entries, missing: missing)
    }

    /// Entries by rank: `limit` entries from 0-based `offset`, best first. O(log n + limit).
    public func entries(offset: Int, limit: Int) -> Page {
        let start = min(max(0, offset), count)
        return Page(entries: page(start, start + min(max(0, limit), count - start)), total: count)
    }

    /// Entries whose scores fall in `range`, best first: `limit` of them from `offset`;
    /// `total` counts the whole range. Throws ``LeaderboardError/invalidScore`` for a NaN
    /// bound. O(log n + limit).
    public func entries(in range: ScoreRange, offset: Int, limit: Int) throws -> Page {
        let indices = try self.indices(of: range)
        let start = indices.lowerBound + min(max(0, offset), indices.count)
        let end = start + min(max(0, limit), indices.upperBound - start)
        return Page(entries: page(start, end), total: indices.count)
    }

    /// Members whose scores fall in `range`. Throws ``LeaderboardError/invalidScore`` for a
    /// NaN bound. O(log n).
    public func count(in range: ScoreRange) throws -> Int {
        try indices(of: range).count
    }

    /// `member` with up to `radius` entries above and below it, in rank order; `nil` when
    /// it is not on the board. O(log n + radius).
    public func around(member: String, radius: Int) -> [Entry]? {
        guard let id = find(member) else { return nil }
        let index = list.locate(member: id).index
        let radius = min(max(0, radius), count)
        return page(max(0, index - radius), min(count, index + radius + 1))
    }

    // MARK: Internals

    /// 0-based ranks of the entries in `range`. O(log n).
    private func indices(of range: ScoreRange) throws -> Range<Int> {
        guard !range.min.value.isNaN, !range.max.value.isNaN else { throw LeaderboardError.invalidScore }
        // The bound nearer rank 1 depends on the order.
        let (best, worst) = config.order == .descending ? (range.max, range.min) : (range.min, range.max)
        let bestScore = config.order.sortScore(best.value), worstScore = config.order.sortScore(worst.value)
        let low = list.countBefore(best.isInclusive ? .before(score: bestScore) : .after(score: bestScore))
        let high = list.countBefore(worst.isInclusive ? .after(score: worstScore) : .before(score: worstScore))
        return low..<max(low, high)
    }

    /// Entries with 0-based ranks `start..<end`. Tied entries share a shared rank and a
    /// percentile: only the groups cut by the page's ends need a walk. O(log n + end - start).
    private func page(_ start: Int, _ end: Int) -> [Entry] {
        guard start < end else { return [] }
        var locations: [SkipList.Location] = []
        locations.reserveCapacity(end - start)
        var location: SkipList.Location? = list.locate(index: start)
        while let current = location, locations.count < end - start {
            locations.append(current)
            location = list.successor(of: current)
        }
        let sortScores = locations.map { list.scores[list.slot($0.block, $0.position)] }
        var entries: [Entry] = []
        entries.reserveCapacity(locations.count)
        // Read once: touching the dictionary per entry costs a top-10 page a third more.
        let withMetadata = !metadata.isEmpty
        var groupStart = 0
        while groupStart < locations.count {
            let score = sortScores[groupStart]
            var groupEnd = groupStart + 1
            while groupEnd < locations.count, sortScores[groupEnd] == score { groupEnd += 1 }
            let sharedRank = groupStart == 0 ? self.sharedRank(at: locations[0], sortScore: score) : start + groupStart + 1
            let worse = groupEnd < locations.count ? count - (start + groupEnd) : worseCount(at: locations[groupEnd - 1], sortScore: score)
            for index in groupStart..<groupEnd {
                entries.append(makeEntry(at: locations[index], sharedRank: sharedRank, worse: worse, withMetadata: withMetadata))
            }
            groupStart = groupEnd
        }
        return entries
    }

    private func makeEntry(
        at location: SkipList.Location, sharedRank: Int, worse: Int, withMetadata: Bool, named name: String? = nil
    ) -> Entry {
        let slot = list.slot(location.block, location.position)
        let member = list.members[slot]
        return Entry(
            member: name ?? list.names.name(of: member),
            score: config.order.score(fromSortScore: list.scores[slot]),
            rank: location.index + 1,
            sharedRank: sharedRank,
            percentile: 100 * Double(worse) / Double(count),
            metadata: withMetadata ? metadata[member] : nil)
    }

    /// 1 + entries with a strictly better score than the one at `location`: read off its
    /// block neighbour when that differs, else counted by a walk. O(log n).
    private func sharedRank(at location: SkipList.Location, sortScore: UInt64) -> Int {
        if location.index == 0 { return 1 }
        if location.position > 0, list.scores[list.slot(location.block, location.position - 1)] != sortScore {
            return location.index + 1
        }
        return list.countBefore(.before(score: sortScore)) + 1
    }

    /// Entries with a strictly worse score than the one at `location`. O(log n).
    private func worseCount(at location: SkipList.Location, sortScore: UInt64) -> Int {
        if location.index == count - 1 { return 0 }
        if location.position + 1 < Int(list.counts[Int(location.block)]),
            list.scores[list.slot(location.block, location.position + 1)] != sortScore
        {
            return count - location.index - 1
        }
        return count - list.countBefore(.after(score: sortScore))
    }
}
