@testable import PodiumEngine

/// The reference model: a sorted array, every rule written the obvious way.
struct NaiveLeaderboard {
    struct Member {
        var name: String
        var score: Double
        var stamp: UInt64
    }

    let config: BoardConfig
    /// Best first.
    private(set) var members: [Member] = []
    private(set) var lastStamp: UInt64 = 0

    init(config: BoardConfig) { self.config = config }

    func isBetter(_ a: Double, than b: Double) -> Bool {
        config.order == .descending ? a > b : a < b
    }

    func ranksBefore(_ a: Member, _ b: Member) -> Bool {
        if a.score != b.score { return isBetter(a.score, than: b.score) }
        switch config.tieBreak {
        case .earliest: return a.stamp < b.stamp
        case .member: return Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
        }
    }

    func index(of name: String) -> Int? { members.firstIndex { $0.name == name } }

    /// Mirrors `Leaderboard.submit`; `nil` where it throws.
    mutating func submit(_ name: String, _ score: Double, policy: UpdatePolicy?) -> ScoreUpdate? {
        guard score.isFinite, MemberID.isValid(name) else { return nil }
        let folded = score == 0 ? 0.0 : score
        if let index = index(of: name) {
            let old = members[index]
            var new: Double
            switch policy ?? config.update {
            case .best: new = isBetter(folded, than: old.score) ? folded : old.score
            case .set: new = folded
            case .increment: new = old.score + score
            }
            guard new.isFinite else { return nil }
            new = new == 0 ? 0.0 : new
            let unchanged = ScoreUpdate(
                member: name, score: old.score, rank: index + 1, previousScore: old.score, previousRank: index + 1,
                changed: false, stamp: stamp(old), evicted: nil)
            if new == old.score { return unchanged }
            members.remove(at: index)
            lastStamp += 1
            let moved = Member(name: name, score: new, stamp: config.tieBreak == .earliest ? lastStamp : 0)
            let rank = place(moved)
            return ScoreUpdate(
                member: name, score: new, rank: rank, previousScore: old.score, previousRank: index + 1,
                changed: true, stamp: stamp(moved), evicted: nil)
        }
        lastStamp += 1
        let member = Member(name: name, score: folded, stamp: config.tieBreak == .earliest ? lastStamp : 0)
        let rank = place(member)
        var result = ScoreUpdate(
            member: name, score: folded, rank: rank, previousScore: nil, previousRank: nil, changed: true,
            stamp: stamp(member), evicted: nil)
        if let maxSize = config.maxSize, members.count > maxSize {
            let worst = members.removeLast()
            if worst.name == name {
                return ScoreUpdate(
                    member: name, score: nil, rank: nil, previousScore: nil, previousRank: nil, changed: false,
                    stamp: 0, evicted: nil)
            }
            result.evicted = Removal(member: worst.name, score: worst.score, rank: members.count + 1)
        }
        return result
    }

    mutating func remove(_ name: String) -> Removal? {
        guard let index = index(of: name) else { return nil }
        let member = members.remove(at: index)
        return Removal(member: name, score: member.score, rank: index + 1)
    }

    func entry(at index: Int) -> Entry {
        let member = members[index]
        let better = members.filter { isBetter($0.score, than: member.score) }.count
        let worse = members.filter { isBetter(member.score, than: $0.score) }.count
        return Entry(
            member: member.name, score: member.score, rank: index + 1, sharedRank: better + 1,
            percentile: 100 * Double(worse) / Double(members.count))
    }

    func entries(_ indices: some Sequence<Int>) -> [Entry] { indices.map { entry(at: $0) } }

    func contains(_ score: Double, in range: ScoreRange) -> Bool {
        let aboveMin = range.min.isInclusive ? score >= range.min.value : score > range.min.value
        let belowMax = range.max.isInclusive ? score <= range.max.value : score < range.max.value
        return aboveMin && belowMax
    }

    func stamp(_ member: Member) -> UInt64 { member.stamp }

    /// Inserts in rank order; returns the 1-based rank.
    private mutating func place(_ member: Member) -> Int {
        let index = members.firstIndex { ranksBefore(member, $0) } ?? members.count
        members.insert(member, at: index)
        return index + 1
    }
}
