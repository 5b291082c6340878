extension Leaderboard {
    /// Checks the skip list's structure, the member table against it, and the stamps.
    /// O(n log n). Tests call it after every mutation.
    func checkInvariants() {
        list.checkInvariants()
        var liveMembers: [UInt32] = []
        var location = list.count > 0 ? list.locate(index: 0) : nil
        while let current = location {
            let key = list.key(at: list.slot(current.block, current.position))
            liveMembers.append(key.member)
            if config.tieBreak == .earliest {
                precondition(key.tie >= 1 && key.tie <= lastStamp, "stamp \(key.tie) past \(lastStamp)")
            }
            location = list.successor(of: current)
        }
        list.names.checkInvariants(liveMembers: liveMembers)
        let live = Set(liveMembers)
        precondition(metadata.keys.allSatisfy(live.contains), "metadata of a member not on the board")
    }
}
