import Foundation
import PodiumTestSupport

/// The built `podium` binary run as a subprocess, its stdout and stderr going to files (so
/// not a terminal), with none of the caller's PODIUM_* settings.
struct PodiumRun {
    var status: Int32
    var stdout: String
    var stderr: String

    static var executable: URL {
        ServerProcess.executable.deletingLastPathComponent().appendingPathComponent("podium")
    }

    /// `podium arguments...` against `server` (its URL, admin key and CA) if one is
    /// given, in `directory`, with `environment` added; a run that has not ended after a
    /// minute is killed and throws.
    static func run(
        _ arguments: [String], server: ServerProcess? = nil, environment: [String: String] = [:], directory: String? = nil
    ) async throws -> PodiumRun {
        let run = try await ChildProcess.run(
            executable.path, arguments, environment: Self.environment(server: server, adding: environment),
            directory: directory ?? FileManager.default.temporaryDirectory.path
        )
        return PodiumRun(status: run.ending.status, stdout: run.output, stderr: run.error)
    }

    /// The test's environment without its PODIUM_* settings and NO_COLOR, then `server`'s
    /// (if any), then `adding`.
    static func environment(server: ServerProcess?, adding: [String: String] = [:]) -> [String: String] {
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PODIUM_") && $0.key != "NO_COLOR" }
        if let server {
            base["PODIUM_URL"] = "https://127.0.0.1:\(server.port)"
            base["PODIUM_KEY"] = ServerProcess.adminKey
            base["PODIUM_CACERT"] = server.dataDir + "/tls/ca.pem"
        }
        return base.merging(adding) { $1 }
    }

    /// stdout parsed as one JSON document.
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(stdout)")
        }
        return object
    }
}

/// A `podium` running in the background whose stdout lines are read as they come.
final class BackgroundPodium {
    private let process: ChildProcess
    /// Where its stdout goes (appended as it prints).
    private let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("podium-\(UUID().uuidString).out").path

    init(_ arguments: [String], server: ServerProcess) async throws {
        process = try await ChildProcess.start(
            PodiumRun.executable.path, arguments, environment: PodiumRun.environment(server: server), output: .file(outputPath)
        )
    }

    var lines: [String] {
        ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Waits up to 10 s for `count` lines.
    func waitForLines(_ count: Int) async throws -> [String] {
        for _ in 0..<200 where lines.count < count {
            try await Task.sleep(for: .milliseconds(50))
        }
        return lines
    }

    /// Ends it with SIGTERM and removes its output.
    func stop() {
        process.signal(SIGTERM)
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}
