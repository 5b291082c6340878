import Testing

@testable import PodiumEngine

struct MemberTableTests {
    @Test func internsAndForgetsAgainstADictionary() {
        var random = SplitMix64(seed: 7)
        var table = MemberTable()
        var model: [String: UInt32] = [:]
        let pool = LeaderboardModelTests.memberPool + (0..<400).map { "m\($0)" }
        for _ in 0..<50_000 {
            let name = pool.randomElement(using: &random)!
            var utf8 = name
            utf8.withUTF8 { bytes in
                if let id = model[name] {
                    #expect(table.find(bytes) == id)
                    if Bool.random(using: &random) {
                        table.remove(id)
                        model[name] = nil
                    }
                } else {
                    #expect(table.find(bytes) == nil)
                    model[name] = table.intern(bytes)
                }
            }
            #expect(table.count == model.count)
        }
        for (name, id) in model {
            #expect(table.name(of: id) == name)
        }
    }

    /// A bucket keeps its member whole under the tag, from the smallest table to one of
    /// 2^32 buckets (no tag bits left), and the tag is the hash's top bits only.
    @Test func bucketsKeepMembersUnderTheirTags() {
        let hash = Int(bitPattern: 0xDEAD_BEEF_0123_4567)
        for bits in [4, 21, 31, 32] {
            let largest = UInt32.max >> (32 - bits) - 1
            for member in [0, 1, largest] {
                let entry = MemberTable.bucketEntry(member: member, hash: hash, bits: bits)
                #expect(entry != 0)
                #expect(MemberTable.member(in: entry, bits: bits) == member, "bits \(bits)")
                #expect(entry >> bits == MemberTable.tag(ofHash: hash, bits: bits), "bits \(bits)")
            }
            #expect(MemberTable.tag(ofHash: hash, bits: bits) == 0xDEAD_BEEF >> bits)
            #expect(MemberTable.tag(ofHash: hash ^ 0xFFFF_FFFF, bits: bits) == 0xDEAD_BEEF >> bits)
        }
    }

    /// The index grows a few members per write: ids are found, interned again, removed
    /// and reused while members move from the old index to the new one (the members either
    /// side of the edge of the move too), through several doublings, against a dictionary,
    /// with the table's invariants checked along the way.
    @Test func growsStepByStepAgainstADictionary() {
        var random = SplitMix64(seed: 11)
        var table = MemberTable()
        var ids: [String: UInt32] = [:], names: [UInt32: String] = [:]
        var growths = 0, removedMoved = 0, removedUnmoved = 0, removedAtTheEdge = 0, reusesWhileGrowing = 0
        func find(_ name: String) -> UInt32? {
            var utf8 = name
            return utf8.withUTF8 { table.find($0) }
        }
        func intern(_ name: String) -> UInt32 {
            let wasGrowing = table.isGrowing, limit = table.indexLimit
            var utf8 = name
            let id = utf8.withUTF8 { table.intern($0) }
            if table.isGrowing, !wasGrowing { growths += 1 }
            if table.isGrowing, Int(id) < limit, ids[name] == nil { reusesWhileGrowing += 1 }
            ids[name] = id
            names[id] = name
            return id
        }
        func remove(_ id: UInt32) {
            if table.isGrowing { id < table.moved ? (removedMoved += 1) : (removedUnmoved += 1) }
            table.remove(id)
            ids[names[id] ?? ""] = nil
            names[id] = nil
        }
        for step in 0..<40_000 {
            if table.isGrowing, table.moved > 0, Int.random(in: 0..<4, using: &random) == 0 {
                // A member near the edge of the move, the last moved to the first to stay
                // after the next write's moves: removed, and its id reused by that write.
                let edge = UInt32(table.moved + Int.random(in: -1...9, using: &random))
                if names[edge] != nil {
                    remove(edge)
                    removedAtTheEdge += 1
                    let fresh = intern("fresh \(step) ✨")
                    #expect(find("fresh \(step) ✨") == fresh, "step \(step)")
                }
            }
            // Hits remove a third of the time: the table settles near 3,000 members.
            let name = "player \(Int.random(in: 0..<4_000, using: &random)) 👾/é"
            if let id = ids[name] {
                #expect(find(name) == id, "step \(step)")
                switch Int.random(in: 0..<3, using: &random) {
                case 0: remove(id)
                case 1: #expect(intern(name) == id, "step \(step)")
                default: break
                }
            } else {
                #expect(find(name) == nil, "step \(step)")
                _ = intern(name)
            }
            if step % 7 == 0 || table.isGrowing { table.checkInvariants(liveMembers: ids.values) }
        }
        #expect(growths >= 7)
        #expect(
            removedMoved >= 10 && removedUnmoved >= 10 && removedAtTheEdge >= 10 && reusesWhileGrowing >= 20,
            "removed \(removedMoved) moved, \(removedUnmoved) unmoved, \(removedAtTheEdge) at the edge; \(reusesWhileGrowing) reuses")
        for (name, id) in ids {
            #expect(table.name(of: id) == name)
        }
    }
}
