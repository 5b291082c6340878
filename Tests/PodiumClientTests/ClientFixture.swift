import PodiumClient
import PodiumTestSupport

/// A real podiumd and a PodiumClient of it with the admin key, trusting the server's CA.
struct ClientFixture {
    let server: ServerProcess
    let client: PodiumClient

    static func start() async throws -> ClientFixture {
        let server = ServerProcess(fsync: "always")
        try await server.start()
        return ClientFixture(server: server, client: try server.podiumClient())
    }

    /// Runs `body` on a fresh server; shuts both down however it ends.
    static func with(_ body: (ClientFixture) async throws -> Void) async throws {
        let fixture = try await start()
        do {
            try await body(fixture)
        } catch {
            try? await fixture.client.shutdown()
            try await fixture.server.shutdown()
            throw error
        }
        try await fixture.client.shutdown()
        try await fixture.server.shutdown()
    }
}

extension ServerProcess {
    var url: String { "https://127.0.0.1:\(port)" }

    func podiumClient(key: String? = ServerProcess.adminKey) throws -> PodiumClient {
        try PodiumClient(url: url, key: key, caFile: dataDir + "/tls/ca.pem")
    }
}
