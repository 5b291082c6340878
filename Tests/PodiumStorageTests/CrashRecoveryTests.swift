import Foundation
import PodiumTestSupport
import Testing

@testable import PodiumEngine
@testable import PodiumStorage

/// A real process writing under `--fsync always`, with snapshots running, SIGKILLed at
/// random moments: every write it acknowledged must come back, every time.
/// 24 kills take 27 s alone; beside the full suite (power cuts, live servers) on 2 cores
/// they took 725 s, so past 3 minutes it stops after the kill in progress (8 kills at least).
@Suite(.timeLimit(.minutes(10)))
struct CrashRecoveryTests {
    static var writerPath: String {
        // `swift test` runs the test bundle from the build products directory, beside
        // the executables it depends on.
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("podium-storage-writer").path
    }

    @Test func everyAcknowledgedWriteSurvivesSIGKILL() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var random = SplitMix64(seed: 2026)
        var acknowledged: [String: Double] = [:]
        let iterations = 24, atLeast = 8
        let deadline = ContinuousClock.now + .seconds(180)
        for iteration in 0..<iterations {
            if iteration >= atLeast, ContinuousClock.now > deadline { break }
            // Its output goes to a file: no pipe to fill, no thread blocked reading it.
            let output = directory.path + ".out"
            defer { try? FileManager.default.removeItem(atPath: output) }
            let writer = try await ChildProcess.start(
                Self.writerPath, [directory.path, "--writers", "8", "--snapshot-every-ms", "\(50 + random.next() % 150)"],
                output: .file(output)
            )
            try await Task.sleep(for: .milliseconds(Int(60 + random.next() % 400)))
            writer.signal(SIGKILL)
            let ending = try #require(await writer.wait(), "iteration \(iteration): the writer did not end on SIGKILL")
            #expect(ending.bySignal, "iteration \(iteration): the writer exited on its own")
            let written = try Data(contentsOf: URL(fileURLWithPath: output))
            let lines = String(decoding: written, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            // The last line may be cut by the kill: only whole lines count.
            for line in lines.dropLast() {
                let fields = line.split(separator: " ")
                if fields.count == 3, fields[0] == "ack", let score = Double(fields[2]) { acknowledged[String(fields[1])] = score }
            }

            let (store, boards, report) = try DurableStore.open(path: directory.path, policy: .no)
            let board = try #require(boards.boards["crash"], "iteration \(iteration): no board (\(report))")
            board.checkInvariants()
            let missing = acknowledged.filter { board.score(of: $0.key) != $0.value }
            #expect(missing.isEmpty, "iteration \(iteration): \(missing.count) acknowledged writes lost, e.g. \(missing.first.map { "\($0)" } ?? "")")
            try store.close()
        }
        #expect(acknowledged.count > 200, "too few writes were acknowledged to prove anything")
    }
}
