import Testing

@testable import PodiumEngine

/// The bare skip list against a sorted array of keys, with invariants after every step.
struct SkipListModelTests {
    @Test("random inserts and removals", arguments: [2, 3, 4, 8, 64])
    func insertsAndRemovals(blockCapacity: Int) {
        var random = SplitMix64(seed: UInt64(blockCapacity))
        var list = SkipList(blockCapacity: blockCapacity)
        var model: [SortKey] = []
        var stamp: UInt64 = 0
        var live: [Int: SortKey] = [:]
        for step in 0..<20_000 {
            let member = Int.random(in: 0..<300, using: &random)
            if let key = live[member] {
                let index = list.remove(at: list.entrySlot(of: key.member))
                #expect(index == model.firstIndex(of: key), "step \(step)")
                list.names.remove(key.member)
                model.removeAll { $0 == key }
                live[member] = nil
            } else {
                stamp += 1
                var name = "member-\(member)"
                let id = name.withUTF8 { list.names.intern($0) }
                let key = SortKey(score: UInt64.random(in: 0..<40, using: &random), tie: stamp, member: id)
                let index = list.insert(key)
                let expected = model.firstIndex { list.precedes(key, $0) } ?? model.count
                model.insert(key, at: expected)
                live[member] = key
                #expect(index == expected, "step \(step)")
            }
            list.checkInvariants()
            list.names.checkInvariants(liveMembers: live.values.map(\.member))
            if step % 97 == 0, !model.isEmpty {
                let index = Int.random(in: 0..<model.count, using: &random)
                let location = list.locate(index: index)
                #expect(list.key(at: list.slot(location.block, location.position)) == model[index])
                #expect(list.locate(member: model[index].member).index == index)
            }
        }
    }
}
