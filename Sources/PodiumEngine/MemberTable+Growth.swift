/// Growing the hash index: when it is 3/4 full it doubles, and its members move to the
/// new one a few per write, in member order, as Redis's dict rehashes step by step.
/// Rehashing every id at once held the board for 92 ms at 786k members and 529 ms at 3.1M.
extension MemberTable {
    /// Members moved to the grown index per write: at 8, the move is over after an
    /// eighth as many writes as there are members, long before the index is due to grow
    /// again (it needs half as many inserts), and a write pays ~8 hashes meanwhile. Each
    /// write adds at most one member, so the members numbered during a move are at most a
    /// seventh of those before it, and all still fit the old table's buckets
    /// (``MemberTable/bucketEntry(member:hash:bits:)``).
    static let membersMovedPerWrite = 8

    /// Whether members are moving from `previousIndex` to `index`.
    var isGrowing: Bool { !previousIndex.isEmpty }

    /// Before an intern: moves a few members to the grown index, and doubles the index
    /// when one more member would fill it past 3/4. O(1) but for the doubled index's
    /// allocation, O(n).
    mutating func makeRoomForOne() {
        if isGrowing { moveMembers(upTo: moved + Self.membersMovedPerWrite) }
        guard (count + 1) * Self.maxLoadDenominator > index.count * Self.maxLoadNumerator else { return }
        // Never while growing at 8 moves a write (above); were it so, the rest moves now,
        // as a full index would leave a probe run no end.
        if isGrowing { moveMembers(upTo: indexLimit) }
        swap(&previousIndex, &index)
        index = Array(repeating: 0, count: previousIndex.count * 2)
        moved = 0
        moveMembers(upTo: Self.membersMovedPerWrite)
    }

    /// Moves the live members from `moved` to `end` into the grown index, and ends the
    /// growth once every member has moved. O(end - moved).
    ///
    /// Eight at a time: their hashes first, each bucket asked for as it is known, then
    /// the placing, so the buckets' cache misses overlap instead of following each other.
    mutating func moveMembers(upTo end: Int) {
        let end = min(end, indexLimit)
        var hashes = InlineArray<8, Int>(repeating: 0)
        while moved < end {
            let first = moved, last = min(end, first + 8)
            for member in first..<last where slotIsLive(UInt32(member)) {
                let hash = withBytes(of: UInt32(member)) { Self.hash($0) }
                hashes[member - first] = hash
                prefetch(index, slots: hash & (index.count - 1), count: 1)
            }
            for member in first..<last where slotIsLive(UInt32(member)) {
                placeInIndex(UInt32(member), hash: hashes[member - first])
            }
            moved = last
        }
        if moved == indexLimit {
            previousIndex = []
            moved = 0
        }
    }

    private mutating func placeInIndex(_ member: UInt32, hash: Int) {
        let mask = index.count - 1
        var bucket = hash & mask
        while index[bucket] != 0 { bucket = (bucket + 1) & mask }
        index[bucket] = Self.bucketEntry(member: member, hash: hash, bits: Self.bits(of: index))
    }

    /// Places every member in a new index of `capacity` buckets at once (a restore's
    /// reservation, before the board serves). O(capacity).
    mutating func rehash(capacity: Int) {
        let old = index, oldBits = Self.bits(of: index)
        index = Array(repeating: 0, count: capacity)
        for stored in old where stored != 0 {
            let member = Self.member(in: stored, bits: oldBits)
            placeInIndex(member, hash: withBytes(of: member) { Self.hash($0) })
        }
    }
}
