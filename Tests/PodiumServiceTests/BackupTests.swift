import Foundation
import PodiumEngine
import Synchronization
import Testing

@testable import PodiumService
@testable import PodiumStorage

/// `Podium.backup()`: one file, exact as of one moment, taken while writes go on, that a
/// restored data directory serves whole.
@Suite(.timeLimit(.minutes(5)))
struct BackupTests {
    static let members = 20_000
    static let base = 100_000.0

    /// Write k sets member `(k * 7919) % members` to `base + k`: above every score before
    /// it, so each write moves a member from anywhere to the top, across the chunks a
    /// backup reads (the case a chunked read alone would miss).
    static func write(_ k: Int) -> ScoreSubmission {
        ScoreSubmission(member: "p\((k * 7919) % members)", score: base + Double(k))
    }

    @Test func aBackupUnderWritesIsExactAsOfOneMomentAndRestores() async throws {
        let fixture = try RegistryFixture(policy: .no)
        let registry = fixture.registry
        _ = try await registry.createBoard(name: "ranked", config: BoardConfig(update: .set))
        for start in stride(from: 0, to: Self.members, by: 1000) {
            let batch = (start..<start + 1000).map { ScoreSubmission(member: "p\($0)", score: Double($0)) }
            _ = try await registry.submitBatch(board: "ranked", batch)
        }
        _ = try await fixture.access.createKey(name: "ops", role: .admin)

        // One writer, so its writes are totally ordered: write k is acknowledged after k-1.
        let acknowledged = Atomic<Int>(0)
        let writer = Task {
            var k = 1
            while !Task.isCancelled {
                _ = try await registry.submit(board: "ranked", Self.write(k))
                acknowledged.store(k, ordering: .releasing)
                k += 1
            }
        }
        // A few hundred writes before the backup (fewer than a quiet machine makes in a
        // tenth of a second: the whole suite shares two cores), and it keeps writing during it.
        let deadline = ContinuousClock.now + .seconds(60)
        while acknowledged.load(ordering: .acquiring) < 300, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try #require(acknowledged.load(ordering: .acquiring) >= 300, "the writer stopped")
        let before = acknowledged.load(ordering: .acquiring)
        let backup = try await fixture.podium.backup()
        writer.cancel()
        _ = try? await writer.value

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podium-backup-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/podium.backup"
        #expect(FileManager.default.createFile(atPath: file, contents: Data(try backup.read(from: 0, count: backup.size))))

        let summary = try Backup.verify(path: file)
        #expect(summary == Backup.Summary(boards: 1, entries: Self.members, keys: summary.keys, sessions: 0))
        #expect(summary.keys >= 1)
        let restored = try Backup.restore(path: file, into: directory + "/data")
        #expect(restored == summary)
        let (store, state, report) = try DurableStore.open(path: directory + "/data", policy: .always)
        defer { try? store.close() }
        #expect(report.warnings.isEmpty)
        #expect(state.keys.values.contains { $0.name == "ops" })

        // The backup holds exactly writes 1...last for some last >= every write acknowledged
        // before it was asked for.
        let board = try #require(state.boards["ranked"])
        #expect(board.count == Self.members)
        let best = (0..<Self.members).compactMap { board.score(of: "p\($0)") }.max() ?? 0
        let last = Int(best - Self.base)
        #expect(last >= before)
        var expected = (0..<Self.members).map(Double.init)
        for k in 1...last { expected[(k * 7919) % Self.members] = Self.base + Double(k) }
        let mismatches = (0..<Self.members).filter { board.score(of: "p\($0)") != expected[$0] }
        #expect(mismatches.isEmpty, "\(mismatches.count) members differ from writes 1...\(last), first p\(mismatches.first ?? -1)")
        // Event numbers go on from the backup's last change: one per seeded member, one per write.
        #expect(state.sequences["ranked"] == UInt64(Self.members + last))
    }

    @Test func aDamagedOrCutBackupIsRefused() async throws {
        let fixture = try RegistryFixture(policy: .no)
        _ = try await fixture.registry.createBoard(name: "ranked", config: BoardConfig())
        _ = try await fixture.registry.submitBatch(board: "ranked", (0..<500).map { ScoreSubmission(member: "José \($0)", score: Double($0)) })
        let backup = try await fixture.podium.backup()
        let bytes = try backup.read(from: 0, count: backup.size)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podium-backup-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x10
        let cut = Array(bytes.prefix(bytes.count - 7))
        for (name, damaged) in [("flipped", flipped), ("cut", cut)] {
            let file = "\(directory)/\(name).backup"
            #expect(FileManager.default.createFile(atPath: file, contents: Data(damaged)))
            #expect(throws: StorageError.self) { try Backup.verify(path: file) }
            #expect(throws: StorageError.self) { try Backup.restore(path: file, into: "\(directory)/\(name)-data") }
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/\(name)-data"))
        }

        let whole = "\(directory)/whole.backup"
        #expect(FileManager.default.createFile(atPath: whole, contents: Data(bytes)))
        try FileManager.default.createDirectory(atPath: "\(directory)/busy", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: "\(directory)/busy/notes.txt", contents: Data("mine".utf8)))
        #expect(throws: StorageError.self) { try Backup.restore(path: whole, into: "\(directory)/busy") }
        #expect(try Backup.restore(path: whole, into: "\(directory)/fresh").entries == 500)
    }

    @Test func oneSnapshotOrBackupAtATime() async throws {
        let fixture = try RegistryFixture(policy: .no)
        _ = try await fixture.registry.createBoard(name: "ranked", config: BoardConfig())
        _ = try await fixture.store.exclusively {
            await #expect(throws: ServiceError.snapshotInProgress) { try await fixture.podium.backup() }
        }
        _ = try await fixture.podium.backup()
        _ = try await fixture.podium.snapshot()
    }
}
