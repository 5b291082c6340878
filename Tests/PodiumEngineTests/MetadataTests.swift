import Testing

@testable import PodiumEngine

/// Entry metadata beside the skip list: carried by every entry a read builds, dropped with
/// its member (removed or evicted, whose id another member may get next), kept by a
/// restore, set by the snapshot builder.
struct MetadataTests {
    static let ann = Array(#"{"country":"FR","name":"Ann ⚽"}"#.utf8)

    @Test func everyReadCarriesItAndOnlyItsMembers() throws {
        var board = try Leaderboard(config: BoardConfig(maxSize: 3))
        for (member, score) in [("ann", 30.0), ("bob", 20.0), ("日本語 👾", 10.0)] { _ = try board.submit(member: member, score: score) }
        let set = board.setMetadata(Self.ann, of: "ann"), missed = board.setMetadata(Self.ann, of: "nobody")
        #expect(set && !missed)
        #expect(board.metadata(of: "ann") == Self.ann && board.metadata(of: "bob") == nil)
        #expect(board.entry(for: "ann")?.metadata == Self.ann)
        #expect(board.entries(offset: 0, limit: 3).entries.map(\.metadata) == [Self.ann, nil, nil])
        #expect(board.around(member: "bob", radius: 1)?.first?.metadata == Self.ann)
        #expect(board.lookup(["日本語 👾", "ann"]).entries.map(\.metadata) == [Self.ann, nil])
        #expect(try board.entries(in: ScoreRange(min: ScoreBound(25)), offset: 0, limit: 5).entries.first?.metadata == Self.ann)
        board.checkInvariants()

        // A removed member's metadata goes with it: a newcomer that gets its id has none.
        board.remove(member: "ann")
        #expect(board.metadataCount == 0)
        _ = try board.submit(member: "cy", score: 40)
        #expect(board.entry(for: "cy")?.metadata == nil)
        board.checkInvariants()
    }

    @Test func anEvictedMemberLeavesNoMetadataAndARestoreKeepsIt() throws {
        var board = try Leaderboard(config: BoardConfig(maxSize: 2))
        _ = try board.submit(member: "low", score: 1)
        _ = try board.submit(member: "high", score: 9)
        board.setMetadata(Self.ann, of: "low")
        board.setMetadata(Self.ann, of: "high")
        let update = try board.submit(member: "mid", score: 5)
        #expect(update.evicted?.member == "low")
        #expect(board.metadataCount == 1 && board.metadata(of: "high") == Self.ann)
        try board.restore(StoredEntry(member: "high", score: 10, stamp: 99))
        #expect(board.metadata(of: "high") == Self.ann)
        board.checkInvariants()
    }

    @Test func theSnapshotBuilderSetsIt() throws {
        var builder = try Leaderboard.Builder(config: BoardConfig(), capacity: 2)
        var member = "José"
        try member.withUTF8 { try builder.append(member: $0, score: 3, stamp: 1) }
        member.withUTF8 { builder.setMetadata(Self.ann, of: $0) }
        var stranger = "stranger"
        stranger.withUTF8 { builder.setMetadata(Self.ann, of: $0) }
        let board = builder.build()
        #expect(board.metadata(of: "José") == Self.ann && board.metadataCount == 1)
        #expect(board.metadata(of: board.storedEntries.map { $0 }).map(\.member) == ["José"])
        board.checkInvariants()
    }
}
