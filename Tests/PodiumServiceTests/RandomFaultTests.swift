import Glibc
import PodiumEngine
import PodiumStorage
import PodiumTestSupport
import Synchronization
import Testing

@testable import PodiumService

/// Storage faults at random points of a random workload (the one of ``PowerCutTests``): one
/// disk operation (a write, an fsync, an allocation, a rename or a directory fsync) fails
/// with EIO or ENOSPC. A write that fails without failing the log (a full disk met up
/// front, a snapshot that could not finish) changes nothing and the writes after it go
/// on; one that fails the log makes the service read-only. Then the process restarts (the
/// disk keeps all it was given), and the machine loses power (it keeps what was fsynced):
/// after each the service holds exactly the last acknowledged state, or that plus the one
/// write the fault hit, whole.
struct RandomFaultTests {
    /// Fails one operation: the `countdown`th from now.
    final class OneFault: Sendable {
        private let countdown: Mutex<Int>
        let errno: Int32

        init(after operations: Int, errno: Int32) {
            countdown = Mutex(operations)
            self.errno = errno
        }

        func decide(_ operation: SimulatedDisk.Operation) -> Int32? {
            countdown.withLock { left in
                left -= 1
                return left == 0 ? errno : nil
            }
        }

        var hasFired: Bool { countdown.withLock { $0 <= 0 } }
    }

    @Test func aFaultAnywhereLeavesAnAcknowledgedState() async throws {
        var random = SplitMix64(seed: 0xFA_0175)
        var readOnlyTrials = 0, survivedTrials = 0
        for trial in 0..<150 {
            let server = try SimulatedServer(policy: .always)
            var sessionIDs: [String] = []
            var acknowledged = try server.contents(sessionIDs: sessionIDs)
            var inDoubt: SimulatedServer.Contents?
            let fault = OneFault(after: Int.random(in: 1...200, using: &random), errno: Bool.random(using: &random) ? EIO : ENOSPC)
            server.disk.inject(fault.decide)
            for _ in 0..<60 {
                do {
                    if Int.random(in: 0..<100, using: &random) < 6 {
                        _ = try await server.podium.snapshot()
                    } else {
                        try await PowerCutTests.randomWrite(on: server.podium, sessions: &sessionIDs, using: &random)
                    }
                    acknowledged = try server.contents(sessionIDs: sessionIDs)
                } catch {
                    if !server.readOnlyReasons.all.isEmpty {
                        // The log failed: the write it hit may or may not be in it.
                        inDoubt = try server.contents(sessionIDs: sessionIDs)
                        break
                    }
                    // A refusal, a full disk met up front, a snapshot that failed: nothing changed.
                    let now = try server.contents(sessionIDs: sessionIDs)
                    #expect(now == acknowledged, "trial \(trial): a failed call (\(error)) changed \(acknowledged) to \(now)")
                }
            }
            if inDoubt != nil { readOnlyTrials += 1 } else if fault.hasFired { survivedTrials += 1 }
            server.disk.inject(nil)
            for cut in [false, true] {
                if cut { server.disk.powerCut() }
                try server.restart()
                let recovered = try server.contents(sessionIDs: sessionIDs)
                #expect(
                    recovered == acknowledged || recovered == inDoubt,
                    "trial \(trial)\(cut ? " after a power cut" : ""): recovered \(recovered), acknowledged \(acknowledged)")
            }
        }
        // Both outcomes were met: faults that failed the log and faults it went on after.
        #expect(readOnlyTrials > 0 && survivedTrials > 0, "\(readOnlyTrials) read-only, \(survivedTrials) went on")
    }
}
