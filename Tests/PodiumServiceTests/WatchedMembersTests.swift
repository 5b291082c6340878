import PodiumEngine
import Testing

@testable import PodiumService

/// The watched-member index against a naive model (a dictionary of positions, sorted on
/// demand) over thousands of random watch, unwatch, move and leave operations, with its
/// invariants checked after each.
struct WatchedMembersTests {
    @Test(arguments: [TieBreak.earliest, .member])
    func agreesWithANaiveModel(tieBreak: TieBreak) {
        let config = BoardConfig(tieBreak: tieBreak)
        var watched = WatchedMembers()
        var watchers: [[UInt8]: Int] = [:]
        var standing: [[UInt8]: StoredEntry] = [:]
        var random = SplitMix64(seed: tieBreak == .earliest ? 5 : 6)
        let pool = (0..<30).map { Array("m\($0) ✓".utf8) }
        var stamp: UInt64 = 1
        for step in 0..<5000 {
            let member = pool[Int.random(in: 0..<pool.count, using: &random)]
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<2:
                watched.watch(member, at: standing[member], on: config)
                watchers[member, default: 0] += 1
            case 2:
                watched.unwatch(member)
                watchers[member] = watchers[member].flatMap { $0 > 1 ? $0 - 1 : nil }
            case 3:
                standing[member] = nil
                watched.moved(member, to: nil, on: config)
            default:
                // Few scores, so ties are common.
                stamp += 1
                let entry = StoredEntry(member: String(decoding: member, as: UTF8.self), score: Double(Int.random(in: 0..<6, using: &random)), stamp: stamp)
                standing[member] = entry
                watched.moved(member, to: entry, on: config)
            }
            #expect(watched.checkInvariants(), "step \(step)")
            let expected = watchers.keys.compactMap { member in standing[member].map { WatchedMembers.key(member, $0, config) } }.sorted()
            #expect(watched.membersInOrder == expected.map(\.member), "step \(step)")
            if watched.membersInOrder != expected.map(\.member) { return }
        }
    }
}
