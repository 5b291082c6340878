import PodiumEncryption
import PodiumEngine
import PodiumStorage
import PodiumTestSupport
import Testing

@testable import PodiumService

/// Power cuts at random points of a random workload (writes, batches, many-board
/// submits, removals, boards created, dropped and reset, keys, sessions, snapshots, which
/// roll the log and compact it), on a ``SimulatedDisk`` that keeps only what was fsynced
/// plus a random, possibly torn, prefix of the rest. After each cut the service recovers
/// and must hold exactly an acknowledged state: under `always` the last one (or that plus
/// the one write in flight, whole), under `everysec` one of them (a lost suffix, never a
/// hole, never half a write).
struct PowerCutTests {
    static let members = ["José", "a b/c", "🎮 player one 🏆", "שלום עולם", "100%", "p1", "p2", "p3", "p4", "p5", "p6"]
    static let boardNames = ["daily", "weekly", "all-time"]
    static let configs = [BoardConfig(), BoardConfig(order: .ascending), BoardConfig(maxSize: 4)]

    /// The third run's data directory is encrypted at rest (its prologues and sealed
    /// frames torn and cut like the rest).
    @Test(arguments: [(FsyncPolicy.always, 600, false), (FsyncPolicy.everysec, 300, false), (FsyncPolicy.always, 200, true)])
    func recoveryAfterAPowerCutHoldsExactlyAnAcknowledgedState(policy: FsyncPolicy, trials: Int, encrypted: Bool) async throws {
        var random = SplitMix64(seed: 0x9_0D1_C0DE ^ UInt64(trials))
        var cutsInsideSnapshots = 0
        let keyring: any Keyring = encrypted ? AtRestKeyring(writing: AtRestKey(bytes: Array(repeating: 7, count: 32))) : PlainKeyring()
        for trial in 0..<trials {
            let server = try SimulatedServer(policy: policy, keyring: keyring)
            var sessionIDs: [String] = []
            var history = [try server.contents(sessionIDs: sessionIDs)]
            var inDoubt: SimulatedServer.Contents?
            var trace: [String] = []
            server.disk.die(afterOperations: Int.random(in: 1...250, using: &random))
            for _ in 0..<80 {
                let isSnapshot = Int.random(in: 0..<100, using: &random) < 6
                trace.append(isSnapshot ? "snapshot@\(server.disk.operations)" : "write@\(server.disk.operations)")
                do {
                    if isSnapshot {
                        _ = try await server.podium.snapshot()
                    } else {
                        try await Self.randomWrite(on: server.podium, sessions: &sessionIDs, using: &random)
                    }
                } catch {
                    if server.disk.isDead {
                        if isSnapshot { cutsInsideSnapshots += 1 }
                        inDoubt = try server.contents(sessionIDs: sessionIDs)
                        break
                    }
                    // A refusal (no such member, say) changed nothing.
                }
                history.append(try server.contents(sessionIDs: sessionIDs))
            }
            server.disk.powerCut(
                keeping: { Int.random(in: 0...$0, using: &random) }, tearing: { Int.random(in: 0...$0, using: &random) })
            do {
                try server.restart()
            } catch {
                let manifest = String(decoding: server.disk.bytes(of: "/data/MANIFEST") ?? [], as: UTF8.self)
                Issue.record("trial \(trial): recovery refused: \(error)\nfiles: \(server.disk.listing)\nmanifest: \(manifest)\ntrace: \(trace)")
                continue
            }
            let recovered = try server.contents(sessionIDs: sessionIDs)
            let acknowledged = try #require(history.last)
            let allowed = policy == .always ? [acknowledged] : history
            if !allowed.contains(recovered) && recovered != inDoubt {
                Issue.record("trial \(trial): recovered \(recovered), acknowledged \(acknowledged), in doubt \(inDoubt.map { "\($0)" } ?? "none")")
                return
            }
            // A recovered service takes writes, and a second recovery keeps them (under
            // `always`, from the fsyncs alone).
            try await server.podium.boards.createBoard(name: "after", config: BoardConfig())
            let written = try server.contents(sessionIDs: sessionIDs)
            server.disk.powerCut(keeping: { policy == .always ? 0 : $0 })
            try server.restart()
            #expect(try server.contents(sessionIDs: sessionIDs) == written)
        }
        #expect(cutsInsideSnapshots > 0)
    }

    /// `everysec` loses at most about the last second, as a suffix: writes go on for 3 s,
    /// the power is cut keeping nothing that was not fsynced, and every write acknowledged
    /// more than 1.5 s before the cut (the flusher's second, and half a second for a loaded
    /// machine to schedule it) is there after recovery, with every write before it.
    @Test func everysecLosesAtMostTheLastSecond() async throws {
        let server = try SimulatedServer(policy: .everysec)
        try await server.podium.boards.createBoard(name: "daily", config: BoardConfig())
        let clock = ContinuousClock()
        var acknowledgedAt: [ContinuousClock.Instant] = []
        let start = clock.now
        while clock.now - start < .seconds(3) {
            let index = acknowledgedAt.count
            _ = try await server.podium.boards.submit(board: "daily", ScoreSubmission(member: "m\(index)", score: Double(index)))
            acknowledgedAt.append(clock.now)
            try await Task.sleep(for: .milliseconds(2))
        }
        let cut = clock.now
        server.disk.powerCut()
        try server.restart()
        let survived = try #require(try server.podium.boards.listBoards().first { $0.name == "daily" }).size
        let olderThanBound = acknowledgedAt.filter { cut - $0 > .milliseconds(1500) }.count
        #expect(olderThanBound > 0 && survived >= olderThanBound, "\(survived) of \(acknowledgedAt.count) writes survived")
        // A suffix was lost, never a hole: the n survivors are the first n writes (scores
        // 0..<n, so the best is n - 1).
        #expect(try server.podium.boards.top(board: "daily", offset: 0, limit: 1).entries.first?.score == Double(survived - 1))
    }

    /// One random write; its refusals (a board or member not there) are part of the game.
    static func randomWrite(on podium: Podium, sessions: inout [String], using random: inout SplitMix64) async throws {
        let boards = podium.boards
        let board = boardNames.randomElement(using: &random) ?? "daily"
        let member = members.randomElement(using: &random) ?? "p1"
        let score = Double(Int.random(in: -50...500, using: &random))
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<30:
            let metadata = Bool.random(using: &random) ? Array(#"{"skin":"🐉","level":\#(Int(score))}"#.utf8) : nil
            _ = try await boards.submit(board: board, ScoreSubmission(member: member, score: score, metadata: metadata))
        case 30..<45:
            let batch = (0..<Int.random(in: 1...40, using: &random)).map { index in
                ScoreSubmission(member: "\(member) #\(index)", score: score + Double(index), policy: .set)
            }
            _ = try await boards.submitBatch(board: board, batch)
        case 45..<52:
            _ = try await boards.submit(toBoards: ["daily", "all-time"], ScoreSubmission(member: member, score: score))
        case 52..<60:
            try await boards.removeMember(board: board, member: member)
        case 60..<70:
            try await boards.createBoard(name: board, config: configs.randomElement(using: &random) ?? BoardConfig())
        case 70..<73:
            try await boards.dropBoard(name: board)
        case 73..<76:
            _ = try await boards.reset(board: board)
        case 76..<84:
            let (session, _) = try await podium.access.createSession(player: member, ttlSeconds: 3600, data: Array(#"{"hp":\#(Int(score))}"#.utf8))
            sessions.append(session.id)
        case 84..<88:
            if let id = sessions.randomElement(using: &random) { try await podium.access.endSession(id: id) }
        case 88..<92:
            if let id = sessions.randomElement(using: &random) { _ = try await podium.access.replaceData(sessionID: id, data: Array("{}".utf8)) }
        case 92..<97:
            _ = try await podium.access.createKey(name: "key-\(Int.random(in: 0..<6, using: &random))", role: .server)
        default:
            try await podium.access.revokeKey(name: "key-\(Int.random(in: 0..<6, using: &random))")
        }
    }
}
