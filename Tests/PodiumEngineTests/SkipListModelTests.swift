import Testing

@testable import PodiumEngine

/// The bare skip list against a sorted array of keys, with invariants after every step.
struct SkipListModelTests {
    @Test("random inserts and removals", arguments: [2, 3, 4, 8, 12, 64, 100])
    func insertsAndRemovals(blockCapacity: Int) {
        var random = SplitMix64(seed: UInt64(blockCapacity))
        var lists = ModelledList(blockCapacity: blockCapacity)
        for step in 0..<20_000 {
            let member = Int.random(in: 0..<300, using: &random)
            if let key = lists.live[member] {
                lists.remove(member, key, step: step)
            } else {
                lists.insert(member, score: UInt64.random(in: 0..<40, using: &random), step: step)
            }
            lists.check(step: step, random: &random)
        }
    }

    /// Moves (an update's removal, and its insertion walked from the removal's walk) among
    /// inserts and removals: many ties and tiny blocks, so moves meet emptied and merged
    /// blocks, splits, spills and a walk whose block lost its first entry.
    @Test("random moves, inserts and removals", arguments: [2, 3, 4, 8, 12, 64, 100])
    func moves(blockCapacity: Int) {
        var random = SplitMix64(seed: 0xA11CE + UInt64(blockCapacity))
        var lists = ModelledList(blockCapacity: blockCapacity)
        for step in 0..<20_000 {
            let member = Int.random(in: 0..<300, using: &random)
            let score = UInt64.random(in: 0..<40, using: &random)
            if let key = lists.live[member], Int.random(in: 0..<4, using: &random) > 0 {
                lists.move(member, key, score: score, keepTie: Bool.random(using: &random), step: step)
            } else if let key = lists.live[member] {
                lists.remove(member, key, step: step)
            } else {
                lists.insert(member, score: score, step: step)
            }
            lists.check(step: step, random: &random)
        }
        #expect(
            (0..<lists.model.count).allSatisfy { index in
                let location = lists.list.locate(index: index)
                return lists.list.key(at: lists.list.slot(location.block, location.position)) == lists.model[index]
            })
    }

    /// A block's search against a count of its smaller keys, over scores from the whole
    /// 64-bit range (a board's sort scores fill it: a positive score's has the top bit
    /// set), the ends and the halfway point included, in blocks of every fill.
    @Test func blockSearchCountsSmallerKeysOverTheWholeScoreRange() {
        var random = SplitMix64(seed: 0x5EA4C4)
        let edges: [UInt64] = [0, 1, 1 << 63 - 1, 1 << 63, 1 << 63 + 1, .max - 1, .max]
        var list = SkipList(blockCapacity: 12)
        for index in 0..<400 {
            let score = index % 5 == 0 ? edges.randomElement(using: &random)! : random.next()
            var name = "m\(index)"
            let id = name.withUTF8 { list.names.intern($0) }
            list.insert(SortKey(score: score, tie: UInt64(index + 1), member: id))
        }
        var block = list.link(SkipList.head, 0).next
        while block != SkipList.none {
            let keys = (0..<Int(list.counts[Int(block)])).map { list.key(at: list.slot(block, $0)) }
            for score in edges + keys.map(\.score) + (0..<8).map({ _ in random.next() }) {
                for probe in [SortKey.before(score: score), SortKey.after(score: score)] {
                    #expect(list.lowerBound(probe, in: block) == keys.filter { list.precedes($0, probe) }.count)
                }
            }
            block = list.link(block, 0).next
        }
    }
}

/// A skip list and its model, a sorted array of keys, changed together: each change
/// expects the list's answer to be the model's.
private struct ModelledList {
    var list: SkipList
    var model: [SortKey] = []
    /// The key of each member on the list.
    var live: [Int: SortKey] = [:]
    /// The last tie stamp handed out.
    var stamp: UInt64 = 0

    init(blockCapacity: Int) {
        list = SkipList(blockCapacity: blockCapacity)
    }

    mutating func insert(_ member: Int, score: UInt64, step: Int) {
        stamp += 1
        var name = "member-\(member)"
        let id = name.withUTF8 { list.names.intern($0) }
        let key = SortKey(score: score, tie: stamp, member: id)
        #expect(list.insert(key) == place(key), "step \(step)")
        live[member] = key
    }

    mutating func remove(_ member: Int, _ key: SortKey, step: Int) {
        #expect(list.remove(at: list.entrySlot(of: key.member)) == model.firstIndex(of: key), "step \(step)")
        list.names.remove(key.member)
        model.removeAll { $0 == key }
        live[member] = nil
    }

    mutating func move(_ member: Int, _ key: SortKey, score: UInt64, keepTie: Bool, step: Int) {
        stamp += 1
        let moved = SortKey(score: score, tie: keepTie ? key.tie : stamp, member: key.member)
        let (from, to) = list.move(at: list.entrySlot(of: key.member), to: moved)
        #expect(from == model.firstIndex(of: key), "step \(step)")
        model.removeAll { $0 == key }
        #expect(to == place(moved), "step \(step)")
        live[member] = moved
    }

    /// Puts `key` in the model and returns its index there.
    private mutating func place(_ key: SortKey) -> Int {
        let index = model.firstIndex { list.precedes(key, $0) } ?? model.count
        model.insert(key, at: index)
        return index
    }

    /// The list's invariants, and now and then a random rank both ways, and walks found
    /// from another walk against walks from the head.
    func check(step: Int, random: inout SplitMix64) {
        list.checkInvariants()
        list.names.checkInvariants(liveMembers: live.values.map(\.member))
        guard step % 97 == 0, !model.isEmpty else { return }
        let index = Int.random(in: 0..<model.count, using: &random)
        let location = list.locate(index: index)
        #expect(list.key(at: list.slot(location.block, location.position)) == model[index], "step \(step)")
        #expect(list.locate(member: model[index].member).index == index, "step \(step)")
        let finger = list.predecessors(ofBlock: list.block(of: model[index].member))
        let score = UInt64.random(in: 0..<40, using: &random)
        for key in [model.randomElement(using: &random)!, SortKey.before(score: score), SortKey.after(score: score)] {
            let found = list.predecessors(of: key, from: finger), walked = list.predecessors(of: key)
            #expect(
                (0..<list.height).allSatisfy { found.blocks[$0] == walked.blocks[$0] && found.ranks[$0] == walked.ranks[$0] },
                "step \(step): the walk to \(key) from a finger")
        }
    }
}
