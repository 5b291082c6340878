import Foundation
import PodiumEngine
import Synchronization
import PodiumTestSupport
import Testing

@testable import PodiumService

/// A message as a test reads it.
struct ReceivedMessage {
    let object: [String: Any]
    var type: String { object["type"] as? String ?? "" }
    var seq: UInt64? { (object["seq"] as? NSNumber)?.uint64Value }
    var member: String? { object["member"] as? String }
    var rank: Int? { object["rank"] as? Int }
}

extension EventSubscription {
    /// The next message, or `nil` once the stream ended or nothing came within `timeout`.
    func next(timeout: Duration) async -> ReceivedMessage? {
        let waker = Task { [self] in
            try await Task.sleep(for: timeout)
            poke(StreamMessage(seq: nil, json: []))
        }
        defer { waker.cancel() }
        guard let message = await next(), !message.json.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: Data(message.json)) as? [String: Any]
        else { return nil }
        return ReceivedMessage(object: object)
    }

    /// Messages until none comes within `timeout` (or the stream ends).
    func drain(timeout: Duration = .milliseconds(300)) async -> [ReceivedMessage] {
        var messages: [ReceivedMessage] = []
        while let message = await next(timeout: timeout) { messages.append(message) }
        return messages
    }
}

/// The event stream at the service: order, filters, `overtaken`, resume, slow subscribers,
/// and numbering across restarts.
struct EventStreamTests {
    @Test func sixteenConcurrentWritersProduceOneGaplessOrderForEverySubscriber() async throws {
        let fixture = try RegistryFixture(eventLimits: .init(queue: 10_000))
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig(update: .set))
        var subscribers: [EventSubscription] = []
        for _ in 0..<3 { subscribers.append(try await registry.subscribe(board: "b", filter: EventFilter(), since: nil)) }
        let changes = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<16 {
                group.addTask {
                    var changes = 0
                    for index in 0..<60 {
                        if index % 20 == 19 {
                            let batch = (0..<5).map { ScoreSubmission(member: "w\(writer)-b\($0)", score: Double(index + $0)) }
                            changes += try await registry.submitBatch(board: "b", batch).count { (try? $0.get().changed) == true }
                        } else {
                            changes += try await registry.submit(board: "b", ScoreSubmission(member: "w\(writer)-\(index % 7)", score: Double(index))).changed ? 1 : 0
                        }
                    }
                    return changes
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(changes > 900)
        for subscriber in subscribers {
            let seqs = await subscriber.drain().compactMap(\.seq)
            #expect(seqs == Array(1...UInt64(changes)), "every seq once, in order")
        }
    }

    @Test func filtersPassTheirChangesAndTheirUnion() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig(maxSize: 4))
        let top2 = try await registry.subscribe(board: "b", filter: EventFilter(top: 2), since: nil)
        let watching = try await registry.subscribe(board: "b", filter: EventFilter(members: ["José", "cy"]), since: nil)
        let both = try await registry.subscribe(board: "b", filter: EventFilter(top: 1, members: ["dee"]), since: nil)
        let all = try await registry.subscribe(board: "b", filter: EventFilter(), since: nil)
        for (member, score) in [("ann", 10.0), ("bob", 8), ("cy", 6), ("dee", 4), ("José", 9), ("eve", 1), ("eve", 12)] {
            _ = try await registry.submit(board: "b", ScoreSubmission(member: member, score: score))
        }
        try await registry.removeMember(board: "b", member: "bob")
        try await registry.dropBoard(name: "b")

        let everything = await all.drain()
        // ann, bob, cy, dee; José evicts dee (5 on a board of 4); eve is kept out at 1
        // (no change, no event), then at 12 evicts cy; bob removed; the drop.
        #expect(everything.map { "\($0.type) \($0.member ?? "")" } == [
            "score_changed ann", "score_changed bob", "score_changed cy", "score_changed dee",
            "score_changed José", "member_removed dee", "score_changed eve", "member_removed cy",
            "member_removed bob", "board_dropped ",
        ])
        #expect(everything.map(\.seq) == (1...10).map { Optional($0) })
        #expect(everything[5].object["reason"] as? String == "evicted" && everything[5].object["previous_rank"] as? Int == 5)
        #expect(everything[8].object["reason"] as? String == "removed" && everything[8].object["previous_rank"] as? Int == 4)
        #expect(all.closeReason == "board_dropped")

        // Changes touching ranks 1-2: ann 1, bob 2, José 2, eve 1; and the drop.
        #expect(await top2.drain().map(\.seq) == [1, 2, 5, 7, 10])
        let watched = await watching.drain()
        // José enters above cy; eve enters above José (and evicts cy).
        #expect(watched.map { "\($0.type) \($0.member ?? "") \($0.object["by"] as? String ?? "")" } == [
            "score_changed cy ", "score_changed José ", "overtaken cy José", "overtaken José eve", "member_removed cy ",
            "board_dropped  ",
        ])
        #expect(watched[2].rank == 4 && watched[2].object["previous_rank"] as? Int == 3)
        // dee's events, and changes at rank 1.
        #expect(await both.drain().map { "\($0.seq ?? 0) \($0.type) \($0.member ?? "")" } == [
            "1 score_changed ann", "4 score_changed dee", "6 member_removed dee", "7 score_changed eve", "10 board_dropped ",
        ])
    }

    @Test func badFiltersAndUnknownBoardsAreRefused() async throws {
        let fixture = try RegistryFixture()
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig())
        await #expect(throws: ServiceError.boardNotFound("nope")) { try await registry.subscribe(board: "nope", filter: EventFilter(), since: nil) }
        await #expect(throws: ServiceError.self) { try await registry.subscribe(board: "b", filter: EventFilter(top: 0), since: nil) }
        await #expect(throws: ServiceError.self) { try await registry.subscribe(board: "b", filter: EventFilter(top: 1001), since: nil) }
        await #expect(throws: ServiceError.invalidMember) { try await registry.subscribe(board: "b", filter: EventFilter(members: [""]), since: nil) }
        let tooMany = (0...EventFilter.maxMembers).map { "m\($0)" }
        await #expect(throws: ServiceError.self) { try await registry.subscribe(board: "b", filter: EventFilter(members: tooMany), since: nil) }
    }

    /// `overtaken` against a model made of rank reads: Y was passed by X iff X moved up
    /// and Y's rank went from within X's new..old range down by one. On both backends.
    @Test(arguments: [TieBreak.earliest, .member], TestBackend.available)
    func overtakenAgreesWithRanksOverThousandsOfRandomWrites(tieBreak: TieBreak, backend: TestBackend) async throws {
        try await backend.run(adminKey: "pdk_unused", eventLimits: .init(queue: 100_000)) { backend in
            try await Self.checkOvertaken(on: backend.boards, tieBreak: tieBreak)
        }
    }

    static func checkOvertaken(on registry: any BoardStore, tieBreak: TieBreak) async throws {
        _ = try await registry.createBoard(name: "b", config: BoardConfig(update: .set, tieBreak: tieBreak))
        let pool = (0..<40).map { "p\($0)" }
        let watched = Array(pool.prefix(8)) + ["José"]
        let subscription = try await registry.subscribe(board: "b", filter: EventFilter(members: watched), since: nil)
        var random = SplitMix64(seed: tieBreak == .earliest ? 11 : 12)
        var seq: UInt64 = 0
        var expected: [UInt64: Set<String>] = [:]
        func ranks() async -> [String: Int] {
            let found = try? await registry.lookup(board: "b", members: watched)
            return (found?.entries ?? []).reduce(into: [:]) { ranks, entry in ranks[entry.member] = entry.rank }
        }
        for _ in 0..<2500 {
            let member = Int.random(in: 0..<10, using: &random) == 0 ? "José" : pool[Int.random(in: 0..<pool.count, using: &random)]
            let before = await ranks()
            if Int.random(in: 0..<8, using: &random) == 0 {
                if (try? await registry.removeMember(board: "b", member: member)) != nil { seq += 1 }
                continue
            }
            let result = try await registry.submit(board: "b", ScoreSubmission(member: member, score: Double(Int.random(in: 0..<12, using: &random))))
            guard result.changed, let rank = result.entry?.rank else { continue }
            seq += 1
            let after = await ranks()
            let oldRank = result.previousRank ?? Int.max
            guard rank < oldRank else { continue }
            for other in watched where other != member {
                guard let was = before[other], let now = after[other], was >= rank, was < oldRank, now == was + 1 else { continue }
                expected[seq, default: []].insert("\(other) \(now)")
            }
        }
        var received: [UInt64: Set<String>] = [:]
        for message in await subscription.drain(timeout: .seconds(1)) where message.type == "overtaken" {
            received[message.seq ?? 0, default: []].insert("\(message.member ?? "") \(message.rank ?? 0)")
            #expect(message.object["previous_rank"] as? Int == (message.rank ?? 0) - 1)
        }
        #expect(expected.values.map(\.count).reduce(0, +) > 200, "too few overtakes to prove anything")
        #expect(received == expected)
        subscription.cancel()
    }

    /// Events a relay could not recover: subscribers get `lagged` for them, and the history
    /// goes on gapless from the next one (a `since` before it is told what is gone).
    @Test func eventsLostForGoodAreReportedAsLagged() async throws {
        let bus = EmbeddedEventBus()
        let publisher = bus.open(board: "b", seq: 0)
        let event = { (seq: UInt64) in BoardEvent(seq: seq, board: "b", kind: .scoreChanged, member: "m", score: 1, rank: 1, at: 0) }
        let live = try await bus.subscribe(board: "b", filter: EventFilter(), since: nil) {}
        publisher.publish([event(1)])
        publisher.skip(to: 5)
        publisher.publish([event(5)])
        let received = await live.drain()
        #expect(received.map(\.type) == ["score_changed", "lagged", "score_changed"])
        #expect(received[1].object["from"] as? Int == 2 && received[1].object["to"] as? Int == 4)
        let resumed = try await bus.subscribe(board: "b", filter: EventFilter(), since: 1) {}
        let replayed = await resumed.drain()
        #expect(replayed.map(\.type) == ["lagged", "score_changed"] && replayed.last?.seq == 5)
        live.cancel()
        resumed.cancel()
    }

    /// A transport that writes from its own thread is told of each push and takes without
    /// waiting: what is already there (a replay) at once, then what comes, the `lagged`
    /// notice a full queue owes, and the end.
    @Test func aTransportToldOfEachPushTakesWhatCameAndTheEnd() async throws {
        let bus = EmbeddedEventBus(limits: .init(queue: 2))
        let publisher = bus.open(board: "b", seq: 0)
        let event = { (seq: UInt64) in BoardEvent(seq: seq, board: "b", kind: .scoreChanged, member: "m", score: 1, rank: 1, at: 0) }
        publisher.publish([event(1)])
        let subscription = try await bus.subscribe(board: "b", filter: EventFilter(), since: 0) {}
        let calls = Atomic(0)
        subscription.onReady { calls.add(1, ordering: .relaxed) }
        #expect(calls.load(ordering: .relaxed) == 1, "the replay is there at once")
        #expect(subscription.take(upTo: 10)?.map(\.seq) == [1])
        #expect(subscription.take(upTo: 10)?.isEmpty == true, "nothing yet, and no waiting")

        publisher.publish((2...6).map(event))
        // The queue holds 3 (2, and room for the replay): 5 and 6 are dropped.
        #expect(calls.load(ordering: .relaxed) == 4, "told of each push that queued, not of the dropped ones")
        #expect(subscription.take(upTo: 1)?.map(\.seq) == [2])
        #expect(subscription.take(upTo: 10)?.map(\.seq) == [3, 4])
        let notice = subscription.take(upTo: 10)
        #expect(notice?.count == 1 && notice?.first?.seq == nil, "then the lagged notice")
        #expect(notice.flatMap { String(decoding: $0[0].json, as: UTF8.self).contains(#""from":5"#) } == true)

        subscription.cancel()
        #expect(calls.load(ordering: .relaxed) == 5, "told of the end")
        #expect(subscription.take(upTo: 10) == nil)
    }

    @Test func resumingReplaysFromTheHistoryAndSaysWhatIsGone() async throws {
        let fixture = try RegistryFixture(eventLimits: .init(history: 20))
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig(update: .set))
        for index in 1...50 { _ = try await registry.submit(board: "b", ScoreSubmission(member: "m\(index % 5)", score: Double(index))) }

        let recent = try await registry.subscribe(board: "b", filter: EventFilter(), since: 40)
        _ = try await registry.submit(board: "b", ScoreSubmission(member: "late", score: 1))
        #expect(await recent.drain().map(\.seq) == (41...51).map { Optional($0) }, "from since + 1, nothing lost or repeated, then live")

        let old = try await registry.subscribe(board: "b", filter: EventFilter(), since: 5)
        let replay = await old.drain()
        #expect(replay.first?.type == "lagged" && replay.first?.object["from"] as? Int == 6 && replay.first?.object["to"] as? Int == 31)
        #expect(replay.dropFirst().map(\.seq) == (32...51).map { Optional($0) })

        let current = try await registry.subscribe(board: "b", filter: EventFilter(members: ["m1"]), since: 51)
        let later = try await registry.subscribe(board: "b", filter: EventFilter(), since: 1000)
        _ = try await registry.submit(board: "b", ScoreSubmission(member: "m1", score: 99))
        #expect(await current.drain().map(\.seq) == [52])
        #expect(await later.drain().map(\.seq) == [52], "a seq from the future starts at the next change")
    }

    @Test func aStuckSubscriberNeitherStopsWritersNorOthersAndIsToldWhatItMissed() async throws {
        let fixture = try RegistryFixture(policy: .no, eventLimits: .init(queue: 128, stayBehind: .seconds(60)))
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig(update: .set))
        let stuck = try await registry.subscribe(board: "b", filter: EventFilter(), since: nil)
        let reader = try await registry.subscribe(board: "b", filter: EventFilter(), since: nil)
        // The reader keeps up (it reads each burst of 100 writes); the stuck one never reads.
        var seqs: [UInt64] = []
        for burst in 0..<100 {
            for index in 0..<100 {
                _ = try await registry.submit(board: "b", ScoreSubmission(member: "m\(index)", score: Double(burst * 100 + index)))
            }
            for _ in 0..<100 { seqs += await reader.next(timeout: .seconds(5))?.seq.map { [$0] } ?? [] }
        }
        #expect(seqs == Array(1...10_000), "the reader got every event, in order")

        let caughtUp = await stuck.drain()
        #expect(caughtUp.count == 129)
        #expect(caughtUp.prefix(128).map(\.seq) == (1...128).map { Optional($0) })
        #expect(caughtUp.last?.type == "lagged" && caughtUp.last?.object["from"] as? Int == 129 && caughtUp.last?.object["to"] as? Int == 10_000)
        _ = try await registry.submit(board: "b", ScoreSubmission(member: "after", score: 1))
        #expect(await stuck.drain().map(\.seq) == [10_001], "and the stream goes on")
        #expect(fixture.podium.events.statistics().dropped == 10_000 - 128)
    }

    @Test func aSubscriberThatStaysBehindIsClosed() async throws {
        let fixture = try RegistryFixture(policy: .no, eventLimits: .init(queue: 4, stayBehind: .milliseconds(50)))
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig(update: .set))
        let stuck = try await registry.subscribe(board: "b", filter: EventFilter(), since: nil)
        for index in 0..<10 { _ = try await registry.submit(board: "b", ScoreSubmission(member: "m", score: Double(index))) }
        try await Task.sleep(for: .milliseconds(120))
        _ = try await registry.submit(board: "b", ScoreSubmission(member: "m", score: 100))
        #expect(stuck.closeReason == "too_slow")
        #expect(await stuck.drain().isEmpty)
        #expect(fixture.podium.events.statistics().subscribers["b"] == 0)
    }

    @Test func aThousandSubscribeCancelCyclesLeaveNothingBehind() async throws {
        let fixture = try RegistryFixture(policy: .no)
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig())
        _ = try await registry.submit(board: "b", ScoreSubmission(member: "ann", score: 1))
        for index in 0..<1000 {
            let filter = index % 2 == 0 ? EventFilter(top: 10, members: ["ann", "m\(index)"]) : EventFilter()
            let subscription = try await registry.subscribe(board: "b", filter: filter, since: 0)
            if index % 3 == 0 { subscription.cancel() }
            // The others end when released, as a dropped connection's would.
        }
        #expect(fixture.podium.events.statistics().subscribers["b"] == 0)
        #expect(fixture.podium.events.statistics().closes["cancelled"] == 1000)
        #expect(try registry.handle("b").state.withLock { $0.watched.isEmpty })
    }

    /// What a stream resumed from `since` replays: the raw JSON of each message.
    private static func replay(_ fixture: RegistryFixture, board: String, filter: EventFilter = EventFilter(), since: UInt64) async throws -> [String] {
        let subscription = try await fixture.registry.subscribe(board: board, filter: filter, since: since)
        defer { subscription.cancel() }
        var messages: [String] = []
        while let message = subscription.take(upTo: 1)?.first { messages.append(String(decoding: message.json, as: UTF8.self)) }
        return messages
    }

    /// A graceful stop saves each board's history, so that streams resumed across the
    /// restart replay exactly what they would have before it (every kind, `overtaken`
    /// included, awkward member ids); a crash keeps only the log, so they get `lagged`.
    @Test func aGracefulStopKeepsTheHistoryForStreamsResumedAfterTheRestart() async throws {
        let fixture = try RegistryFixture(eventLimits: .init(history: 40))
        let registry = fixture.registry
        try await registry.createBoard(name: "b", config: BoardConfig(update: .set, maxSize: 4))
        try await registry.createBoard(name: "quiet", config: BoardConfig())
        try await registry.createBoard(name: "gone", config: BoardConfig())
        _ = try await registry.submit(board: "gone", ScoreSubmission(member: "x", score: 1))
        let watched = "José 🏆 a/b"
        let watching = try await registry.subscribe(board: "b", filter: EventFilter(members: [watched]), since: nil)
        defer { watching.cancel() }
        let members = [watched, "ann", "名前", "a b/c", "dee", "eve"]
        for index in 0..<30 {
            _ = try await registry.submit(board: "b", ScoreSubmission(member: members[index % members.count], score: Double((index * 37) % 50) - 7.5))
        }
        _ = try? await registry.removeMember(board: "b", member: "ann")
        _ = try await registry.reset(board: "b")
        _ = try await registry.submit(board: "b", ScoreSubmission(member: watched, score: 1))
        // A board dropped, and one of the same name created since: nothing of the old one.
        try await registry.dropBoard(name: "gone")
        try await registry.createBoard(name: "gone", config: BoardConfig())

        let everything = try await Self.replay(fixture, board: "b", since: 0)
        let ofWatched = try await Self.replay(fixture, board: "b", filter: EventFilter(members: [watched]), since: 0)
        let lastSeq = try registry.handle("b").state.withLock { $0.seq }
        #expect(lastSeq > 40 && everything.first?.contains(#""type":"lagged""#) == true, "older than the 40 kept: lagged first")
        #expect(everything.count == 41 && ofWatched.contains { $0.contains(#""type":"overtaken""#) })
        #expect(everything.contains { $0.contains(#""type":"board_reset""#) } && everything.contains { $0.contains(#""reason":"evicted""#) })

        try fixture.restart(graceful: true)
        #expect(try await Self.replay(fixture, board: "b", since: 0) == everything)
        #expect(try await Self.replay(fixture, board: "b", filter: EventFilter(members: [watched]), since: 0) == ofWatched)
        #expect(try await Self.replay(fixture, board: "b", since: lastSeq - 3) == Array(everything.suffix(3)))
        #expect(try await Self.replay(fixture, board: "gone", since: 0) == [])
        #expect(try await Self.replay(fixture, board: "quiet", since: 0) == [])

        // Recovery took the file: a crash now keeps only the log.
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "eve", score: 99))
        try fixture.restart()
        let afterCrash = try await Self.replay(fixture, board: "b", since: lastSeq - 3)
        #expect(afterCrash == [#"{"board":"b","from":\#(lastSeq - 2),"to":\#(lastSeq + 1),"type":"lagged"}"#], "\(afterCrash)")
    }

    /// The history file counts only beside the log it was saved with: a write after it (an
    /// older podiumd that left it alone) or a damaged file drops it, with a warning, and
    /// the server starts.
    @Test func aHistoryThatDoesNotMatchTheLogIsDroppedNotTrusted() async throws {
        let fixture = try RegistryFixture()
        try await fixture.registry.createBoard(name: "b", config: BoardConfig())
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "m", score: 1))
        let file = URL(fileURLWithPath: fixture.path + "/events.hist")
        var saved = Data()
        try fixture.restart(graceful: true) { saved = try Data(contentsOf: file) }
        #expect(!saved.isEmpty && !FileManager.default.fileExists(atPath: file.path), "taken at recovery")
        // An older version left it there and wrote on.
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "m", score: 2))
        var warnings = try fixture.restart(expectWarnings: true) { try saved.write(to: file) }
        #expect(warnings.count == 1 && warnings[0].contains("does not match the log"), "\(warnings)")
        #expect(try await Self.replay(fixture, board: "b", since: 0).first?.contains("lagged") == true)
        // Damaged: one bit of its last frame changed.
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "m", score: 3))
        warnings = try fixture.restart(graceful: true, expectWarnings: true) {
            var damaged = try Data(contentsOf: file)
            damaged[damaged.count - 1] ^= 0x40
            try damaged.write(to: file)
        }
        #expect(warnings.count == 1 && warnings[0].contains("is not used"), "\(warnings)")
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }

    @Test func numberingGoesOnAcrossRestartsAndSnapshots() async throws {
        let fixture = try RegistryFixture()
        try await fixture.registry.createBoard(name: "b", config: BoardConfig(update: .set, maxSize: 3))
        for index in 0..<10 { _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "m\(index)", score: Double(index))) }
        // 10 scores and 7 evictions.
        try fixture.restart()
        var subscription = try await fixture.registry.subscribe(board: "b", filter: EventFilter(), since: nil)
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "m9", score: 50))
        #expect(await subscription.drain().map(\.seq) == [18])
        _ = try await fixture.podium.snapshot()
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "m9", score: 60))
        try fixture.restart()
        subscription = try await fixture.registry.subscribe(board: "b", filter: EventFilter(), since: nil)
        try await fixture.registry.removeMember(board: "b", member: "m9")
        #expect(await subscription.drain().map(\.seq) == [20])
        // A board dropped and created again starts its own numbering.
        try await fixture.registry.dropBoard(name: "b")
        try await fixture.registry.createBoard(name: "b", config: BoardConfig())
        try fixture.restart()
        subscription = try await fixture.registry.subscribe(board: "b", filter: EventFilter(), since: nil)
        _ = try await fixture.registry.submit(board: "b", ScoreSubmission(member: "new", score: 1))
        #expect(await subscription.drain().map(\.seq) == [1])
    }
}
