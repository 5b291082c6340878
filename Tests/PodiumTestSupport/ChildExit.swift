import Foundation
import PodiumStorage

/// The end of a child process, awaited without holding a thread.
///
/// Foundation's `Process.waitUntilExit()` spins a run loop on the calling thread: called
/// from a Swift concurrency thread it blocks one of the few the tests share, and under load
/// it can miss the child's end and park that thread for good (a whole `swift test` hung
/// in CI). The termination handler, set before `run()`, cannot miss the end.
public final class ChildExit: Sendable {
    public struct Ending: Sendable, Equatable {
        /// The exit status, or the signal's number when `bySignal`.
        public var status: Int32
        public var bySignal: Bool
    }

    private let ending = Locked<Ending?>(nil)

    /// Watches `process`: call before `process.run()`.
    public init(_ process: Process) {
        process.terminationHandler = { [self] ended in
            ending.withLock { $0 = Ending(status: ended.terminationStatus, bySignal: ended.terminationReason == .uncaughtSignal) }
        }
    }

    /// How the process ended, or nil while it runs.
    public var ended: Ending? { ending.withLock { $0 } }

    /// Waits up to `timeout` for the process to end; nil if it still runs then (or the
    /// waiting task is cancelled).
    public func wait(timeout: Duration = .seconds(60)) async -> Ending? {
        let deadline = ContinuousClock.now + timeout
        while ended == nil, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return ended
    }
}

/// Starts `process`, one launch at a time across the whole test run.
///
/// swift-corelibs-foundation's `Process.run()` crashed a CI run (a bad read in a memcpy
/// inside `run()`, in ServerProcess.start, while other tests launched processes at the
/// same moment): launches from concurrent tests are serialised here. Only the launch is:
/// the children still run side by side.
public func launch(_ process: Process) throws {
    try processLaunches.withLock { _ in try process.run() }
}

private let processLaunches = Locked<Void>(())
