import Foundation
import Testing

@testable import PodiumEngine
@testable import PodiumStorage

/// Files are input too: whatever bytes a damaged disk or an operator leaves in the data
/// directory, opening it either recovers a consistent state or refuses with a
/// `StorageError`; it never traps.
struct DamagedFileTests {
    @Test func randomDamageIsRefusedOrRecoveredNeverACrash() async throws {
        let source = TemporaryDirectory()
        defer { source.remove() }
        do {
            let (store, _, _) = try DurableStore.open(path: source.path, policy: .no)
            var board = try Leaderboard(config: BoardConfig(tieBreak: .member))
            try store.log.append(.boardCreated(board: "b", config: board.config))
            for index in 0..<300 {
                let member = "member-\(index % 120)-ü"
                let update = try board.submit(member: member, score: Double(index % 17))
                if update.changed, let score = update.score {
                    try store.log.append(.scoreSet(board: "b", entry: StoredEntry(member: member, score: score, stamp: update.stamp)))
                }
                if index == 150 {
                    let snapshot = board
                    _ = try await store.snapshot { writer in
                        try writer.writeBoard(name: "b", config: snapshot.config, sizeHint: snapshot.count) { cursor in
                            let chunk = snapshot.storedEntries(after: cursor, limit: 50)
                            return (chunk.entries, snapshot.metadata(of: chunk.entries), chunk.next)
                        }
                    }
                }
            }
            try store.close()
        }
        let files = source.names().filter { $0.hasSuffix(".aof") || $0.hasSuffix(".snap") || $0 == "MANIFEST" }
        var random = SplitMix64(seed: 7)
        var refused = 0, recovered = 0
        for round in 0..<300 {
            let copy = TemporaryDirectory()
            defer { copy.remove() }
            for name in source.names() where name != "LOCK" { try copy.write(try source.bytes(of: name), to: name) }
            let victim = files[Int(random.next() % UInt64(files.count))]
            var bytes = try copy.bytes(of: victim)
            switch random.next() % 4 {
            case 0:  // flip a few bits
                for _ in 0...(random.next() % 3) where !bytes.isEmpty {
                    bytes[Int(random.next() % UInt64(bytes.count))] ^= UInt8(1 << (random.next() % 8))
                }
            case 1:  // cut
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1))))
            case 2:  // overwrite a run with random bytes
                let start = Int(random.next() % UInt64(max(1, bytes.count)))
                for index in start..<min(bytes.count, start + 1 + Int(random.next() % 40)) { bytes[index] = UInt8(truncatingIfNeeded: random.next()) }
            default:  // insert random bytes
                let at = Int(random.next() % UInt64(bytes.count + 1))
                bytes.insert(contentsOf: (0..<(1 + random.next() % 20)).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: at)
            }
            try copy.write(bytes, to: victim)
            do {
                let (store, boards, _) = try DurableStore.open(path: copy.path, policy: .no)
                for board in boards.boards.values { board.checkInvariants() }
                try store.close()
                recovered += 1
            } catch is StorageError {
                refused += 1
            } catch {
                Issue.record("round \(round), \(victim): \(error) is not a StorageError")
            }
        }
        #expect(refused > 100 && recovered > 0, "refused \(refused), recovered \(recovered)")
    }
}
