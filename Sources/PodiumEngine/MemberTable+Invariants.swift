extension MemberTable {
    /// Checks that every live member is found by its id and the counts agree. O(n).
    func checkInvariants(liveMembers: some Sequence<UInt32>) {
        var live = 0
        for member in liveMembers {
            live += 1
            let found = withBytes(of: member) { find($0) }
            precondition(found == member, "member \(member) not found by its id")
        }
        precondition(live == count, "member table counts \(count), skip list holds \(live)")
        // While it grows, the index holds the members moved so far, and only them.
        let inIndex = isGrowing ? (0..<moved).count { slotIsLive(UInt32($0)) } : count
        precondition(index.lazy.filter { $0 != 0 }.count == inIndex, "index holds a stale entry")
        // Entries of the old table below `moved` are stale: their numbers may be reused.
        for (table, lowest) in [(index, 0), (previousIndex, moved)] {
            let bits = Self.bits(of: table)
            for stored in table where stored != 0 {
                let member = Self.member(in: stored, bits: bits)
                guard member >= lowest else { continue }
                let hash = withBytes(of: member) { Self.hash($0) }
                precondition(stored >> bits == Self.tag(ofHash: hash, bits: bits), "member \(member) under a wrong tag")
            }
        }
    }
}
