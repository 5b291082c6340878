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

    /// `member`'s metadata on `board`, or on its season `season`, as text.
    static func metadata(in state: StoredState, _ board: String, _ member: String, season: String? = nil) -> String? {
        let leaderboard = season.map { id in state.seasons[board]?.first { $0.id == id }?.board } ?? state.boards[board]
        return leaderboard?.metadata(of: member).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Board `daily` of fixtures v4 and v5, the same writes in both: Zoë 10 (metadata) and
    /// kai 7, reset (2026-12-02), kai 12; in the log: reset (.2), a batch Zoë 3, Zoë 9, ""
    /// (refused), ω 1, reset (.3), kai 5 (metadata), reset (.4, dropping 2026-12-02 past
    /// keep 3), Zoë 1 (without her old season's metadata). Returns its seasons, whose times
    /// differ between the fixtures.
    static func expectDailySeasons(in state: StoredState) throws -> [StoredState.StoredSeason] {
        let schedule = ResetSchedule(every: .daily, minuteOfDay: 240, timeZone: "Europe/Paris", keep: 3)
        let dailyConfig = BoardConfig(order: .descending, update: .best, playerSubmit: true, reset: schedule)
        #expect(standings(state.boards["daily"]) == ["1 Zoë 1.0"])
        #expect(state.boards["daily"]?.config == dailyConfig)
        #expect(state.boards["daily"]?.metadataCount == 0)
        #expect(state.seasons.keys.sorted() == ["daily"])
        let seasons = try #require(state.seasons["daily"])
        #expect(seasons.map(\.id) == ["2026-12-02.2", "2026-12-02.3", "2026-12-02.4"])
        #expect(seasons.map { standings($0.board) } == [["1 kai 12.0"], ["1 Zoë 9.0", "2 ω 1.0"], ["1 kai 5.0"]])
        #expect(seasons.allSatisfy { $0.board.config == dailyConfig })
        #expect(metadata(in: state, "daily", "kai", season: "2026-12-02.4") == #"{"name":"Kai 🌊"}"#)
        #expect(metadata(in: state, "daily", "Zoë", season: "2026-12-02.3") == nil)
        return seasons
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

    /// Written with seasons, entry metadata and backups, before record groups (6a3e4d7, the
    /// last format-1 writer): live boards, past seasons (one of the snapshot's dropped past
    /// `keep` by the log), metadata, batches, a many-board submit, keys and a session come
    /// back exactly.
    @Test func version4DataDirectoryRecoversSeasonsAndMetadataExactly() throws {
        let state = try Self.recover("datadir-v4")
        func metadata(_ board: String, _ member: String) -> String? { Self.metadata(in: state, board, member) }
        func hex(_ bytes: [UInt8]?) -> String? { bytes?.map { String(format: "%02x", $0) }.joined() }
        #expect(state.boards.keys.sorted() == ["capped", "daily", "floor", "weekly"])

        // ann (metadata), a batch of four (José with metadata); in the log: 🎮 up to 60, ann
        // to 45 with her metadata replaced, José's metadata replaced with no score change (no
        // event), "a b/c" removed.
        #expect(Self.standings(state.boards["weekly"]) == ["1 🎮 player 🏆 60.0", "2 bob 50.0", "3 ann 45.0", "4 José 42.0"])
        #expect(state.boards["weekly"]?.config == BoardConfig(order: .descending, update: .best))
        #expect(metadata("weekly", "ann") == #"{"country":"FR","name":"Ann B."}"#)
        #expect(metadata("weekly", "José") == #"{"name":"José"}"#)
        #expect(metadata("weekly", "bob") == nil && metadata("weekly", "🎮 player 🏆") == nil)
        #expect(state.boards["weekly"]?.metadataCount == 2)

        // p1 = 30 (with capped, metadata), p2 = -5, p0 = -1 (metadata, evicting p1); in the
        // log: p3 = -5 (metadata) evicting p0 and its metadata, after p2 by the member tie-break.
        #expect(Self.standings(state.boards["floor"]) == ["1 p2 -5.0", "2 p3 -5.0"])
        #expect(state.boards["floor"]?.config == BoardConfig(order: .ascending, update: .set, tieBreak: .member, maxSize: 2))
        #expect(metadata("floor", "p3") == #"{"note":"ünï"}"#)
        #expect(state.boards["floor"]?.metadataCount == 1)

        // p1 30, +50 (+30 refused: past 100); in the log a batch: p1 +20, p9 5 (p9 -10 refused).
        #expect(Self.standings(state.boards["capped"]) == ["1 p1 100.0", "2 p9 5.0"])
        #expect(state.boards["capped"]?.config == BoardConfig(update: .increment, minScore: 0, maxScore: 100))
        #expect(metadata("capped", "p1") == #"{"team":"赤"}"#)
        #expect(state.boards["capped"]?.metadataCount == 1)

        let seasons = try Self.expectDailySeasons(in: state)
        // Each reset's time (14:48:55.778Z, 59.179Z, 59.251Z, 59.378Z: the README's list;
        // podiumd's answers printed some a millisecond early, see there).
        #expect(seasons.map(\.from) == [1_796_222_935_778, 1_796_222_939_179, 1_796_222_939_251])
        #expect(seasons.map(\.to) == [1_796_222_939_179, 1_796_222_939_251, 1_796_222_939_378])
        #expect(state.seasonStarts["daily"] == 1_796_222_939_378)
        // The other boards' season starts are their creation times: after podiumd started
        // (14:48:45.701Z), in creation order, before daily was created (14:48:54.909Z).
        let starts = ["weekly", "floor", "capped"].compactMap { state.seasonStarts[$0] }
        #expect(starts.count == 3 && starts == starts.sorted())
        #expect(starts.allSatisfy { (1_796_222_925_701..<1_796_222_934_909).contains($0) })

        // One number per change; resets count, a metadata-only change and refusals do not.
        #expect(state.sequences == ["weekly": 8, "floor": 6, "capped": 4, "daily": 12])

        // game-1 and old-1 created, old-1 revoked; in the log: ops.2. The bootstrap key is not stored.
        #expect(state.keys.keys.sorted() == ["game-1", "ops.2"])
        #expect(state.keys["game-1"]?.role == "server" && state.keys["game-1"]?.createdAt == 1_796_222_935_886)
        #expect(hex(state.keys["game-1"]?.tokenHash) == "e9dc35f0241b9032b20cdc326d610525f17f8934f154c923dbaa2f28d7b0b315")
        #expect(state.keys["ops.2"]?.role == "admin" && state.keys["ops.2"]?.createdAt == 1_796_222_939_883)
        #expect(hex(state.keys["ops.2"]?.tokenHash) == "0c7d21268c10e3999309344187f4ccd8ed73758e5cfc655c68de65f559860cc1")

        // Opened by game-1 with {"level":3}; in the log its data replaced, then refreshed.
        #expect(state.sessions.keys.sorted() == ["ses_MDQ4o-bIOYVtL0q8-FXIGw"])
        let session = try #require(state.sessions["ses_MDQ4o-bIOYVtL0q8-FXIGw"])
        #expect(session.player == "日本語👾" && session.ttlSeconds == 604_800 && session.expiresAt == 1_796_827_740_135)
        #expect(hex(session.tokenHash) == "3e624b6a52dbbe07018ce4d936431854b4053f8e20abbddb3c67395f850cb24f")
        #expect(String(decoding: session.data, as: UTF8.self) == #"{"inventory":["剣","🛡"]}"#)
    }

    /// Written with record groups (92a3345, storage format 2, the last writer before
    /// encryption at rest): a batch, a score with its metadata and event number, an eviction,
    /// a reset and a many-board submit are each one kind 64 frame in the log. Live boards,
    /// past seasons, metadata, event numbers, keys and a session come back exactly.
    @Test func version2FormatDataDirectoryRecoversRecordGroupsExactly() throws {
        let state = try Self.recover("datadir-v5")
        func metadata(_ board: String, _ member: String) -> String? { Self.metadata(in: state, board, member) }
        func hex(_ bytes: [UInt8]?) -> String? { bytes?.map { String(format: "%02x", $0) }.joined() }
        #expect(state.boards.keys.sorted() == ["capped", "daily", "floor", "weekly"])

        // ann (metadata), a batch of four (José with metadata); in the log: 🎮 up to 60, ann
        // to 45 with her metadata replaced, José's metadata replaced with no score change (no
        // event), "a b/c" removed, bob to 55 with metadata by the many-board submit.
        #expect(Self.standings(state.boards["weekly"]) == ["1 🎮 player 🏆 60.0", "2 bob 55.0", "3 ann 45.0", "4 José 42.0"])
        #expect(state.boards["weekly"]?.config == BoardConfig(order: .descending, update: .best))
        #expect(metadata("weekly", "ann") == #"{"country":"FR","name":"Ann B."}"#)
        #expect(metadata("weekly", "José") == #"{"name":"José"}"#)
        #expect(metadata("weekly", "bob") == #"{"name":"Bob ✓"}"#)
        #expect(metadata("weekly", "🎮 player 🏆") == nil && metadata("weekly", "a b/c") == nil)
        #expect(state.boards["weekly"]?.metadataCount == 3)

        // p1 = 30 (with capped, metadata), p2 = -5, p0 = -1 (metadata, evicting p1); in the
        // log one group: p3 = -5 (metadata) evicting p0 and its metadata, after p2 by the
        // member tie-break.
        #expect(Self.standings(state.boards["floor"]) == ["1 p2 -5.0", "2 p3 -5.0"])
        #expect(state.boards["floor"]?.config == BoardConfig(order: .ascending, update: .set, tieBreak: .member, maxSize: 2))
        #expect(metadata("floor", "p3") == #"{"note":"ünï"}"#)
        #expect(metadata("floor", "p0") == nil && metadata("floor", "p1") == nil)
        #expect(state.boards["floor"]?.metadataCount == 1)

        // p1 30, +50 (+30 refused: past 100); in the log a batch: p1 +20, p9 5 (p9 -10
        // refused), then bob 55 (metadata) from the many-board submit.
        #expect(Self.standings(state.boards["capped"]) == ["1 p1 100.0", "2 bob 55.0", "3 p9 5.0"])
        #expect(state.boards["capped"]?.config == BoardConfig(update: .increment, minScore: 0, maxScore: 100))
        #expect(metadata("capped", "p1") == #"{"team":"赤"}"#)
        #expect(metadata("capped", "bob") == #"{"name":"Bob ✓"}"#)
        #expect(state.boards["capped"]?.metadataCount == 2)

        let seasons = try Self.expectDailySeasons(in: state)
        #expect(seasons.map { $0.board.metadataCount } == [0, 0, 1])
        // Each reset's time (21:04:02.866Z, 08.001Z, 08.192Z, 08.351Z: the README's list).
        #expect(seasons.map(\.from) == [1_796_245_442_866, 1_796_245_448_001, 1_796_245_448_192])
        #expect(seasons.map(\.to) == [1_796_245_448_001, 1_796_245_448_192, 1_796_245_448_351])
        #expect(state.seasonStarts["daily"] == 1_796_245_448_351)
        // The other boards' season starts are their creation times (21:04:01.641Z, .740Z,
        // .855Z), after podiumd started (21:03:57.627Z), before daily was created (.960Z).
        #expect(state.seasonStarts["weekly"] == 1_796_245_441_641)
        #expect(state.seasonStarts["floor"] == 1_796_245_441_740)
        #expect(state.seasonStarts["capped"] == 1_796_245_441_855)

        // One number per change; resets count, a metadata-only change and refusals do not.
        #expect(state.sequences == ["weekly": 9, "floor": 6, "capped": 5, "daily": 12])

        // game-1 and old-1 created, old-1 revoked; in the log: ops.2. The bootstrap key is not stored.
        #expect(state.keys.keys.sorted() == ["game-1", "ops.2"])
        #expect(state.keys["game-1"]?.role == "server" && state.keys["game-1"]?.createdAt == 1_796_245_443_032)
        #expect(hex(state.keys["game-1"]?.tokenHash) == "e39b8e99c25b51d7bdfd5b41e07e9552d64981afd9ed3a45164ba87f18b1d4d1")
        #expect(state.keys["ops.2"]?.role == "admin" && state.keys["ops.2"]?.createdAt == 1_796_245_448_794)
        #expect(hex(state.keys["ops.2"]?.tokenHash) == "cff3f4bda4124626c9048c5fc5052fd8f6c61f2eaa7a961f97b4c7888d030ad5")

        // Opened by game-1 with {"level":3}; in the log its data replaced, then refreshed.
        #expect(state.sessions.keys.sorted() == ["ses_K_FrnN4_U7BTnxOpVRNwOQ"])
        let session = try #require(state.sessions["ses_K_FrnN4_U7BTnxOpVRNwOQ"])
        #expect(session.player == "日本語👾" && session.ttlSeconds == 604_800 && session.expiresAt == 1_796_850_249_783)
        #expect(hex(session.tokenHash) == "385306bf8b39476ffae38e1ff1725a8d06a4a6aa7375c535d8b905edc11cd5cc")
        #expect(String(decoding: session.data, as: UTF8.self) == #"{"inventory":["剣","🛡"]}"#)
    }
}
