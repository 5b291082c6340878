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
    }
}
