import Foundation
import PodiumTestSupport
import Testing

/// `--max-memory` on a real podiumd: a limit it is already past refuses new members and
/// sessions with 507, serves everything else, and loses nothing.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct MemoryLimitLiveTests {
    @Test func pastItsLimitPodiumdRefusesGrowthAndServesTheRest() async throws {
        let server = ServerProcess()
        try await server.start()
        _ = try await server.request("PUT", "/v1/boards/b", body: "{}")
        for index in 0..<20 { _ = try await server.request("POST", "/v1/boards/b/scores", body: #"{"member":"m\#(index)","score":\#(index)}"#) }
        #expect(await server.stop(signal: SIGTERM) == 0)

        server.extraArguments = ["--max-memory", "1K"]
        try await server.start()
        // The sampler runs ten times a second: the first sample already finds the limit.
        var refused = (status: 0, body: "")
        for _ in 0..<100 {
            refused = (try? await server.request("POST", "/v1/boards/b/scores", body: #"{"member":"newcomer","score":1}"#)) ?? (0, "")
            if refused.status == 507 { break }
            _ = try? await server.request("DELETE", "/v1/boards/b/members/newcomer")
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(refused.status == 507 && refused.body.contains(#""code":"memory_limit""#), "\(refused)")
        #expect(try await server.request("POST", "/v1/boards/b/scores", body: #"{"member":"m3","score":300}"#).status == 200)
        #expect(try await server.request("GET", "/v1/boards/b/top?limit=3").status == 200)
        #expect(try await server.request("POST", "/v1/sessions", body: #"{"player":"p","ttl_seconds":60}"#).status == 507)
        #expect(try await server.request("DELETE", "/v1/boards/b/members/m0").status == 204)
        let stats = try await server.request("GET", "/v1/admin/stats")
        #expect(stats.body.contains(#""memory_limit_bytes":1024"#) && stats.body.contains(#""memory_limit_reached":true"#), "\(stats.body)")
        #expect(await server.stop(signal: SIGTERM) == 0)

        server.extraArguments = []
        try await server.start()
        let board = try await server.request("GET", "/v1/boards/b")
        #expect(board.body.contains(#""size":19"#), "\(board.body)")
        let m3 = try await server.request("GET", "/v1/boards/b/members/m3")
        #expect(m3.body.contains(#""score":300"#), "\(m3.body)")
        try await server.shutdown()
    }
}
