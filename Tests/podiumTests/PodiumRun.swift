import Foundation
import PodiumTestSupport
import Synchronization

/// The built `podium` binary run as a subprocess, its stdout and stderr piped (so not a
/// terminal), with none of the caller's PODIUM_* settings.
struct PodiumRun {
    var status: Int32
    var stdout: String
    var stderr: String

    static var executable: URL {
        ServerProcess.executable.deletingLastPathComponent().appendingPathComponent("podium")
    }

    /// `podium arguments...` against `server` (its URL, admin key and CA) if one is
    /// given, in `directory`, with `environment` added. Its output goes to
    /// files (not a terminal, and no pipe for a blocked reader to fill); a run that has not
    /// ended after a minute is killed and throws.
    static func run(
        _ arguments: [String], server: ServerProcess? = nil, environment: [String: String] = [:], directory: String? = nil
    ) async throws -> PodiumRun {
        let process = try makeProcess(arguments, server: server, environment: environment, directory: directory)
        let outputs = FileManager.default.temporaryDirectory.appendingPathComponent("podium-run-\(UUID().uuidString)")
        let out = outputs.appendingPathExtension("out"), err = outputs.appendingPathExtension("err")
        defer { for file in [out, err] { try? FileManager.default.removeItem(at: file) } }
        for file in [out, err] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let exit = ChildExit(process)
        try launch(process)
        guard let ending = await exit.wait() else {
            process.terminate()
            throw TestFailure("podium \(arguments.joined(separator: " ")) did not end within a minute")
        }
        return PodiumRun(
            status: ending.status,
            stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self)
        )
    }

    static func makeProcess(
        _ arguments: [String], server: ServerProcess?, environment: [String: String] = [:], directory: String? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = executable
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PODIUM_") && $0.key != "NO_COLOR" }
        if let server {
            base["PODIUM_URL"] = "https://127.0.0.1:\(server.port)"
            base["PODIUM_KEY"] = ServerProcess.adminKey
            base["PODIUM_CACERT"] = server.dataDir + "/tls/ca.pem"
        }
        process.environment = base.merging(environment) { $1 }
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? FileManager.default.temporaryDirectory.path)
        return process
    }

    /// stdout parsed as one JSON document.
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(stdout)")
        }
        return object
    }
}

/// A `podium` running in the background whose stdout lines are collected as they come.
final class BackgroundPodium {
    private let process: Process
    private let exit: ChildExit
    private let output = OutputBuffer()

    /// What the pipe's reader (on Foundation's thread) appends to.
    private final class OutputBuffer: Sendable {
        let bytes = Mutex<[UInt8]>([])
    }

    init(_ arguments: [String], server: ServerProcess) throws {
        process = try PodiumRun.makeProcess(arguments, server: server)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.bytes.withLock { $0 += data }
        }
        exit = ChildExit(process)
        try launch(process)
    }

    var lines: [String] {
        output.bytes.withLock { String(decoding: $0, as: UTF8.self) }.split(separator: "\n").map(String.init)
    }

    /// Waits up to 10 s for `count` lines.
    func waitForLines(_ count: Int) async throws -> [String] {
        for _ in 0..<200 where lines.count < count {
            try await Task.sleep(for: .milliseconds(50))
        }
        return lines
    }

    /// Ends it with SIGTERM; nothing waits for the end (its output is read already).
    func stop() {
        if exit.ended == nil { process.terminate() }
    }
}
