import PodiumAPI
import PodiumClient
import PodiumEngine
import PodiumTestSupport
import Testing

/// PodiumClient against a real podiumd over TLS: every route family, typed errors, and
/// member ids outside ASCII through the path's percent-encoding.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PodiumClientTests {
    @Test func boardsScoresAndReadsRoundTrip() async throws {
        try await ClientFixture.with { fixture in
            let client = fixture.client
            let created = try await client.send(.createBoard("weekly", config: BoardConfigBody(order: .descending, maxSize: 100)))
            #expect(created.status == 201 && created.value.maxSize == 100 && created.value.size == 0)
            #expect(try await client.send(.createBoard("weekly", config: BoardConfigBody(order: .descending, maxSize: 100))).status == 200)
            #expect(try await client.listBoards().map(\.name) == ["weekly"])

            let first = try await client.submit(board: "weekly", member: "ann", score: 40)
            #expect(first.rank == 1 && first.previousRank == nil && first.changed)
            _ = try await client.submit(board: "weekly", member: "bob", score: 50)
            let raised = try await client.submit(board: "weekly", member: "ann", score: 15, update: .increment)
            #expect(raised.score == 55 && raised.rank == 1 && raised.previousRank == 2)
            let batch = try await client.submitBatch(board: "weekly", [SubmitBody(member: "cy", score: 10), SubmitBody(member: "", score: 1)])
            #expect(batch.count == 2 && batch[0].result?.rank == 3 && batch[1].error?.code == "invalid_member")

            #expect(try await client.top(board: "weekly").entries.map(\.member) == ["ann", "bob", "cy"])
            #expect(try await client.top(board: "weekly", offset: 1, limit: 1).entries.map(\.member) == ["bob"])
            #expect(try await client.around(board: "weekly", member: "bob", radius: 1).entries.count == 3)
            #expect(try await client.count(board: "weekly", in: ScoreRange(min: ScoreBound(10, inclusive: false))) == 2)
            let range = try await client.scores(board: "weekly", in: ScoreRange(min: ScoreBound(10), max: ScoreBound(50)))
            #expect(range.entries.map(\.member) == ["bob", "cy"] && range.total == 2)
            let lookup = try await client.lookup(board: "weekly", members: ["cy", "zed", "ann"])
            #expect(lookup.entries.map(\.member) == ["ann", "cy"] && lookup.missing == ["zed"])
            let entry = try await client.entry(board: "weekly", member: "cy")
            #expect(entry.rank == 3 && entry.sharedRank == 3 && entry.percentile == 0)

            try await client.removeMember(board: "weekly", member: "cy")
            #expect(try await client.board("weekly").size == 2)
            try await client.dropBoard("weekly")
            #expect(try await client.listBoards().isEmpty)
        }
    }

    @Test func errorsAreTypedWithTheProblemsCode() async throws {
        try await ClientFixture.with { fixture in
            let client = fixture.client
            await #expect(throws: PodiumError.server(status: 404, code: "board_not_found", detail: "no board named 'nope'")) {
                try await client.top(board: "nope")
            }
            await #expect(throws: PodiumError.server(status: 400, code: "invalid_board_name", detail: "board name 'bad name' must be 1-64 characters of A-Z a-z 0-9 _ . -")) {
                try await client.createBoard("bad name")
            }
            _ = try await client.createBoard("b")
            await #expect(throws: PodiumError.server(status: 409, code: "board_config_conflict", detail: "board 'b' exists with another config")) {
                try await client.createBoard("b", config: BoardConfigBody(order: .ascending))
            }
            let stranger = try fixture.server.podiumClient(key: "pdk_not-a-key")
            defer { Task { try? await stranger.shutdown() } }
            do {
                _ = try await stranger.listBoards()
                Issue.record("a wrong key was let in")
            } catch let error as PodiumError {
                guard case .server(401, "unauthorized", _) = error else { throw error }
            }
            let unreachable = try PodiumClient(url: "https://127.0.0.1:1", key: "k")
            do {
                _ = try await unreachable.listBoards()
                Issue.record("a closed port answered")
            } catch let error as PodiumError {
                guard case .connection = error else { throw error }
            }
            try await unreachable.shutdown()
            #expect(throws: PodiumError.self) { try PodiumClient(url: "ftp://x", key: nil) }
            #expect(throws: PodiumError.self) { try PodiumClient(url: "https://x", key: nil, caFile: "/no/such/ca.pem") }
        }
    }

    @Test func memberIdsOutsideASCIIRoundTripThroughEveryMemberRoute() async throws {
        try await ClientFixture.with { fixture in
            let client = fixture.client
            _ = try await client.createBoard("ids", config: BoardConfigBody(tieBreak: .member))
            for (index, id) in AwkwardMemberIDs.all.enumerated() {
                let written = try await client.submit(board: "ids", member: id, score: Double(index))
                #expect(AwkwardMemberIDs.same(written.member, id))
                let entry = try await client.entry(board: "ids", member: id)
                #expect(AwkwardMemberIDs.same(entry.member, id) && entry.score == Double(index), "\(id)")
                let around = try await client.around(board: "ids", member: id, radius: 0)
                #expect(AwkwardMemberIDs.same(around.entries.first?.member, id), "\(id)")
            }
            for id in AwkwardMemberIDs.all {
                try await client.removeMember(board: "ids", member: id)
            }
            #expect(try await client.board("ids").size == 0)
        }
    }

    @Test func eventsArriveAsWritesLand() async throws {
        try await ClientFixture.with { fixture in
            let client = fixture.client
            _ = try await client.createBoard("live")
            let events = try await client.events(board: "live")
            _ = try await client.submit(board: "live", member: "José", score: 10)
            _ = try await client.submit(board: "live", member: "bob", score: 20)
            try await client.removeMember(board: "live", member: "José")
            var received: [EventMessage] = []
            for try await event in events {
                received.append(event.message)
                #expect(event.json.contains(#""board":"live""#))
                if received.count == 3 { break }
            }
            #expect(received.map(\.type) == [.scoreChanged, .scoreChanged, .memberRemoved])
            #expect(received.map(\.seq) == [1, 2, 3])
            #expect(AwkwardMemberIDs.same(received[0].member, "José") && received[1].rank == 1 && received[2].reason == "removed")

            // Resuming after seq 2, filtered to one member.
            let resumed = try await client.events(board: "live", members: ["José"], since: 2)
            for try await event in resumed {
                #expect(event.message.seq == 3 && event.message.type == .memberRemoved)
                break
            }
            await #expect(throws: PodiumError.server(status: 404, code: "board_not_found", detail: "no board named 'gone'")) {
                _ = try await client.events(board: "gone")
            }
        }
    }

    @Test func keysSessionsAndAdminRoutes() async throws {
        try await ClientFixture.with { fixture in
            let client = fixture.client
            let key = try await client.createKey(name: "game", role: .server)
            #expect(key.role == .server && key.key?.hasPrefix("pdk_") == true)
            #expect(try await client.listKeys().map(\.name).contains("game"))
            let game = try fixture.server.podiumClient(key: key.key)
            let session = try await game.createSession(player: "ann", ttlSeconds: 60, data: .object(["deck": .array([.number(1)])]))
            #expect(session.token.hasPrefix("pds_") && session.player == "ann")
            let player = try fixture.server.podiumClient(key: session.token)
            #expect(try await player.ownSession().data == .object(["deck": .array([.number(1)])]))
            #expect(try await player.replaceOwnSessionData(.string("x")).data == .string("x"))
            try await game.revokeSession(id: session.sessionID)
            await #expect(throws: PodiumError.self) { try await player.ownSession() }
            try await client.revokeKey(name: "game")
            try await game.shutdown()
            try await player.shutdown()

            #expect(try await client.snapshot().bytes > 0)
            #expect(try await client.compact().file.hasSuffix(".snap"))
            #expect(try await client.stats().keys == 1)
            #expect(try await client.health().status == "ok")
            #expect(try await client.readiness().status == "ready")
            #expect(try await client.metrics().contains("hb_requests"))
        }
    }
}
