import PodiumEngine

/// The members some subscriber watches (`members=`) on one board, kept in rank order by
/// their sort keys, so the write path finds whom a change moved past in O(log k + hits)
/// for k watched members: never a scan of the board or of the subscribers.
///
/// Kept under the board's lock, beside the board, and updated by every change of a
/// watched member.
struct WatchedMembers {
    /// A member's place in rank order, comparable without the board: the board's sort
    /// score, then its tie stamp (`earliest`; 0 on `member` boards), then the id's bytes.
    struct Key: Comparable {
        var sortScore: UInt64
        var tie: UInt64
        var member: [UInt8]

        static func < (a: Key, b: Key) -> Bool {
            (a.sortScore, a.tie) != (b.sortScore, b.tie) ? (a.sortScore, a.tie) < (b.sortScore, b.tie) : a.member.lexicographicallyPrecedes(b.member)
        }
    }

    /// Subscriptions watching each member.
    private var watchers: [[UInt8]: Int] = [:]
    /// The watched members on the board, best first.
    private var keys: [Key] = []
    /// Each watched member's key in `keys`, to find it there by binary search.
    private var positions: [[UInt8]: Key] = [:]

    var isEmpty: Bool { watchers.isEmpty }

    /// One more subscription watches `member`, now standing at `entry` (`nil`: not on the board).
    mutating func watch(_ member: [UInt8], at entry: StoredEntry?, on config: BoardConfig) {
        watchers[member, default: 0] += 1
        if watchers[member] == 1, let entry { insert(Self.key(member, entry, config)) }
    }

    /// One subscription fewer watches `member`.
    mutating func unwatch(_ member: [UInt8]) {
        guard let count = watchers[member] else { return }
        if count > 1 {
            watchers[member] = count - 1
        } else {
            watchers[member] = nil
            remove(member)
        }
    }

    /// Every watched member left the board (a reset): they stay watched, with no position.
    mutating func forgetPositions() {
        keys.removeAll()
        positions.removeAll()
    }

    /// ``moved(_:to:on:)`` for `member` as text: no bytes are made while nobody is watched
    /// (every write calls this). O(1) then.
    mutating func moved(_ member: String, to entry: StoredEntry?, on config: BoardConfig) {
        guard !watchers.isEmpty else { return }
        moved(Array(member.utf8), to: entry, on: config)
    }

    /// `member` now stands at `entry` (`nil`: it left the board). O(log k) to find its
    /// old and new places, plus the array's shift between them (a `memmove` of at most k
    /// keys) when watched; O(1) otherwise.
    mutating func moved(_ member: [UInt8], to entry: StoredEntry?, on config: BoardConfig) {
        guard watchers[member] != nil else { return }
        remove(member)
        if let entry { insert(Self.key(member, entry, config)) }
    }

    /// The watched members that a member moving up to `newKey` may have passed: those now
    /// ranked after it whose score is no worse than its old one (`previousSortScore`; `nil`
    /// for a member new to the board, which passed everyone after it). Ties with the old
    /// score are decided by the caller, by rank. O(log k + hits).
    func candidates(passedBy mover: [UInt8], to newKey: Key, from previousSortScore: UInt64?) -> [[UInt8]] {
        var index = partition(after: newKey)
        var found: [[UInt8]] = []
        while index < keys.count, previousSortScore.map({ keys[index].sortScore <= $0 }) ?? true {
            if keys[index].member != mover { found.append(keys[index].member) }
            index += 1
        }
        return found
    }

    static func key(_ member: [UInt8], _ entry: StoredEntry, _ config: BoardConfig) -> Key {
        Key(sortScore: config.order.sortScore(entry.score), tie: config.tieBreak == .earliest ? entry.stamp : 0, member: member)
    }

    private mutating func insert(_ key: Key) {
        keys.insert(key, at: partition(after: key))
        positions[key.member] = key
    }

    /// Takes `member`'s key out of `keys`, if it has one. Keys are unique (they end with
    /// the member's id), so the one before the partition after it is it.
    private mutating func remove(_ member: [UInt8]) {
        guard let key = positions.removeValue(forKey: member) else { return }
        let index = partition(after: key) - 1
        if keys.indices.contains(index), keys[index] == key { keys.remove(at: index) }
    }

    /// The first index whose key sorts after `key`. O(log k).
    private func partition(after key: Key) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if key < keys[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

extension WatchedMembers {
    /// Checks that `keys` is strictly ascending and holds exactly `positions`' keys, each
    /// of a watched member; for tests, after every change. O(k).
    func checkInvariants() -> Bool {
        zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 }
            && keys.count == positions.count
            && keys.allSatisfy { positions[$0.member] == $0 && watchers[$0.member] != nil }
    }

    /// The watched members standing on the board, best first, for tests.
    var membersInOrder: [[UInt8]] { keys.map(\.member) }
}
