import Foundation
import PodiumStorage
import PodiumSync
import Subprocess
import SystemPackage

/// A child process the tests start, signal and await: podiumd, podium, redis-server,
/// openssl, the storage writer.
///
/// Built on swift-subprocess, not Foundation's `Process`: on Linux, `Process.run()` reads
/// past a `dirent` while it lists /proc/self/fd and crashed whole CI runs
/// (swift-corelibs-foundation PR #5472, not in Swift 6.3.1), and `waitUntilExit()` spins a
/// run loop that can park a test thread for good. swift-subprocess's `run` keeps the child
/// inside a closure; here the closure only hands out the pid and `run` goes on, in a task
/// of its own, awaiting the end (a pidfd, no thread blocked), so a server can outlive the
/// call that started it.
public final class ChildProcess: Sendable {
    public struct Ending: Sendable, Equatable {
        /// The exit status, or the signal's number when `bySignal`.
        public var status: Int32
        public var bySignal: Bool
    }

    /// Where a child's stdout or stderr goes.
    public enum Destination: Sendable {
        case discarded
        /// Appended to the file at this path (created if missing).
        case file(String)
    }

    public let processIdentifier: pid_t
    private let ending = Locked<Ending?>(nil)

    private init(processIdentifier: pid_t) {
        self.processIdentifier = processIdentifier
    }

    /// Starts `executable` with `arguments`, `environment` (the test's own when nil) in
    /// `directory`; stdin is empty (at its end at once). Returns once the child runs.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        output: Destination = .discarded, error: Destination = .discarded
    ) async throws -> ChildProcess {
        let outputFD = try open(output)
        let errorFD: FileDescriptor
        do { errorFD = try open(error) } catch {
            try? outputFD.close()
            throw error
        }
        let environment: Environment =
            environment.map { variables in
                .custom(Dictionary(uniqueKeysWithValues: variables.compactMap { key, value in Environment.Key(rawValue: key).map { ($0, value) } }))
            } ?? .inherit
        let configuration = Configuration(
            executable: .path(FilePath(executable)), arguments: Arguments(arguments), environment: environment,
            workingDirectory: directory.map { FilePath($0) }
        )
        let started = AsyncThrowingStream<ChildProcess, any Error>.makeStream()
        Task.detached {
            do {
                let result = try await Subprocess.run(
                    configuration, input: .none,
                    output: .fileDescriptor(outputFD, closeAfterSpawningProcess: true),
                    error: .fileDescriptor(errorFD, closeAfterSpawningProcess: true)
                ) { execution in
                    let child = ChildProcess(processIdentifier: execution.processIdentifier.value)
                    started.continuation.yield(child)
                    return child
                }
                result.closureResult.ending.withLock { $0 = Ending(result.terminationStatus) }
            } catch {
                started.continuation.finish(throwing: error)
            }
        }
        for try await child in started.stream { return child }
        throw TestFailure("\(executable) did not start")
    }

    /// What a child that ran to its end printed.
    public struct Run: Sendable {
        public var ending: Ending
        public var output: String
        /// Empty when stderr went to `output`.
        public var error: String
    }

    /// Runs `executable` to its end, its stdout and stderr collected in temporary files (not a
    /// terminal; no pipe for a blocked reader to fill), stderr into `output` when
    /// `mergingError`. A child still running after `timeout` is killed and throws.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        mergingError: Bool = false, timeout: Duration = .seconds(60)
    ) async throws -> Run {
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)").path
        let outputPath = files + ".out", errorPath = mergingError ? outputPath : files + ".err"
        defer { for path in [outputPath, errorPath] { try? FileManager.default.removeItem(atPath: path) } }
        let child = try await start(
            executable, arguments, environment: environment, directory: directory, output: .file(outputPath), error: .file(errorPath)
        )
        guard let ending = await child.wait(timeout: timeout) else {
            child.signal(SIGKILL)
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not end within \(timeout)")
        }
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return Run(ending: ending, output: read(outputPath), error: mergingError ? "" : read(errorPath))
    }

    private static func open(_ destination: Destination) throws -> FileDescriptor {
        guard case .file(let path) = destination else { return try FileDescriptor.open("/dev/null", .writeOnly, options: .closeOnExec) }
        return try FileDescriptor.open(
            FilePath(path), .writeOnly, options: [.create, .append, .closeOnExec], permissions: [.ownerReadWrite]
        )
    }

    /// How the process ended, or nil while it runs.
    public var ended: Ending? { ending.withLock { $0 } }

    /// Sends `signal` unless the process has ended.
    public func signal(_ signal: Int32) {
        if ended == nil { kill(processIdentifier, signal) }
    }

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

extension ChildProcess.Ending {
    init(_ status: TerminationStatus) {
        switch status {
        case .exited(let code): self.init(status: code, bySignal: false)
        case .signaled(let signal): self.init(status: signal, bySignal: true)
        }
    }
}
