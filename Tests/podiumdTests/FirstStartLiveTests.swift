import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import PodiumTestSupport
import Testing

/// The README's first command on a fresh machine: podiumd with no flags and no
/// PODIUM_ADMIN_KEY, in a directory with no `podium-data` yet, makes the directory, the
/// admin key (mode 0600, printed once) and its CA, and serves with that key. (Every other
/// live test passes PODIUM_ADMIN_KEY and so never took this path; it broke once unseen.)
@Suite(.timeLimit(.minutes(5)))
struct FirstStartLiveTests {
    @Test func aFreshStartMakesTheDataDirectoryAndTheAdminKeyAndServesWithIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podiumd-first-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = ServerProcess.freePort()
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PODIUM_") }
        let output = directory + "/podiumd.out"
        let server = try await ChildProcess.start(
            ServerProcess.executable.path, ["--listen", "127.0.0.1:\(port)"], environment: environment, directory: directory,
            output: .file(output), error: .file(output))
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(directory + "/podium-data/tls/ca.pem")
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let data = directory + "/podium-data"
            var ready = false
            for _ in 0..<200 where !ready {
                ready = FileManager.default.fileExists(atPath: data + "/tls/ca.pem") && server.ended == nil
                if !ready { try await Task.sleep(for: .milliseconds(50)) }
            }
            let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            #expect(ready, "podiumd did not start: \(printed)")
            let key = try String(contentsOfFile: data + "/admin.key", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(key.hasPrefix("pdk_") && printed.contains("created the admin key") && printed.contains(key))
            let mode = try FileManager.default.attributesOfItem(atPath: data + "/admin.key")[.posixPermissions] as? Int
            #expect(mode == 0o600)

            var status: UInt = 0
            for _ in 0..<100 where status != 200 {
                var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/v1/boards")
                request.headers.add(name: "Authorization", value: "Bearer \(key)")
                status = (try? await client.execute(request, timeout: .seconds(2)).status.code) ?? 0
                if status != 200 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(status == 200)
        } catch {
            server.signal(SIGKILL)
            try await client.shutdown()
            throw error
        }
        server.signal(SIGTERM)
        #expect(await server.wait(timeout: .seconds(30)) != nil)
        try await client.shutdown()
    }
}
