import Foundation
import PodiumEngine
import Testing

@testable import PodiumStorage

/// Upgrades lose nothing: a data directory written by an older podiumd, committed under
/// Fixtures/, recovers exactly. Each fixture's README says what wrote it and how.
struct UpgradeFixtureTests {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    /// Recovers a copy (recovery takes the lock and may cut a torn tail: never in the tree).
    static func recover(_ name: String) throws -> StoredState {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        for file in try FileManager.default.contentsOfDirectory(atPath: fixture(name)) where file != "README.md" {
            try FileManager.default.copyItem(atPath: fixture(name) + "/" + file, toPath: directory.file(file))
        }
        let (store, state, report) = try DurableStore.open(path: directory.path, policy: .no)
        try store.close()
        #expect(report.warnings.isEmpty)
        return state
    }

    static func standings(_ board: Leaderboard?) -> [String] {
        (board?.entries(offset: 0, limit: 100).entries ?? []).map { "\($0.rank) \($0.member) \($0.score)" }
    }

    /// Written before event sequence numbers existed (storage format 1, no kind 32 record,
    /// no sequence frame): every board comes back as it was, each with sequence 0.
    @Test func version1DataDirectoryRecoversExactly() throws {
        let state = try Self.recover("datadir-v1")
        #expect(state.boards.keys.sorted() == ["kills", "race.1", "weekly"])
        #expect(state.sequences.isEmpty)
        #expect(Self.standings(state.boards["weekly"]) == ["1 bob 50.0", "2 José 42.0", "3 a b/c 42.0", "4 🎮 one 42.0", "5 e\u{301} 42.0", "6 שלום 7.0"])
        #expect(state.boards["weekly"]?.config == BoardConfig(order: .descending, update: .best))
        #expect(Self.standings(state.boards["race.1"]) == ["1 r0 1.0", "2 r5 5.0", "3 r4 6.0"])
        #expect(state.boards["race.1"]?.config == BoardConfig(order: .ascending, update: .set, tieBreak: .member, maxSize: 3))
        #expect(Self.standings(state.boards["kills"]) == ["1 k 5.0"])
        #expect(state.boards["kills"]?.config == BoardConfig(update: .increment, playerSubmit: true))
        #expect(state.keys.keys.sorted() == ["ops"] && state.keys["ops"]?.role == "admin")
    }

    /// Written with event sequence numbers, before score bounds and backups (41cff3b): every
    /// board comes back as it was, and its event numbering goes on from where it stood.
    @Test func version2DataDirectoryRecoversExactlyWithItsEventNumbers() throws {
        let state = try Self.recover("datadir-v2")
        #expect(state.boards.keys.sorted() == ["kills", "race.1", "weekly"])
        #expect(Self.standings(state.boards["weekly"]) == ["1 bob 50.0", "2 José 42.0", "3 a b/c 42.0", "4 שלום 7.0"])
        #expect(state.boards["weekly"]?.config == BoardConfig(order: .descending, update: .best))
        #expect(Self.standings(state.boards["race.1"]) == ["1 r0 1.0", "2 r5 5.0", "3 r4 6.0"])
        #expect(state.boards["race.1"]?.config == BoardConfig(order: .ascending, update: .set, tieBreak: .member, maxSize: 3))
        #expect(Self.standings(state.boards["kills"]) == ["1 k 5.0"])
        #expect(state.boards["kills"]?.config == BoardConfig(update: .increment, playerSubmit: true))
        // One number per change: 4 scores, then שלום and ann's removal; 5 scores and 2
        // evictions, then r0 and its eviction; two increments.
        #expect(state.sequences == ["weekly": 6, "race.1": 9, "kills": 2])
        #expect(state.keys.keys.sorted() == ["ops"] && state.keys["ops"]?.role == "admin")
    }

    /// Written with score bounds, before seasons (fcb93d9): bounds, evictions, the
    /// many-board submit's records, the session and its data come back exactly.
    @Test func version3DataDirectoryRecoversBoundsAndSessionsExactly() throws {
        let state = try Self.recover("datadir-v3")
        #expect(state.boards.keys.sorted() == ["capped", "floor", "weekly"])
        #expect(Self.standings(state.boards["weekly"]) == ["1 bob 50.0", "2 José 42.0", "3 a b/c 42.0", "4 שלום 7.0"])
        #expect(Self.standings(state.boards["capped"]) == ["1 p1 100.0"])
        #expect(state.boards["capped"]?.config == BoardConfig(update: .increment, minScore: 0, maxScore: 100))
        #expect(Self.standings(state.boards["floor"]) == ["1 p2 -5.0", "2 p0 -1.0"])
        #expect(state.boards["floor"]?.config == BoardConfig(order: .ascending, update: .set, tieBreak: .member, maxSize: 2, minScore: -5))
        #expect(state.sequences == ["weekly": 6, "capped": 2, "floor": 4])
        #expect(state.keys.isEmpty)
        let session = try #require(state.sessions.values.first)
        #expect(state.sessions.count == 1 && session.player == "日本語👾" && session.ttlSeconds == 86400)
        #expect(String(decoding: session.data, as: UTF8.self) == #"{"level":3}"#)
    }
}
