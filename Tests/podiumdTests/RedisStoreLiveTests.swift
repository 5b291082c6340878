import AsyncHTTPClient
import Foundation
import NIOCore
import PodiumHTTP
import PodiumTestSupport
import Testing

/// Two real podiumd on one real redis-server (`--store redis://user:pass@...`, an ACL user),
/// over TLS: what one writes, the other reads and streams; a session or key made through
/// one works through the other, and its revocation holds on both; with Redis gone, writes
/// get 503 `backend_unavailable` with Retry-After, and both recover on their own when it
/// is back.
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: RedisServerProcess.isAvailable, "needs redis-server"))
struct RedisStoreLiveTests {
    static func redis() -> RedisServerProcess {
        // Appended to what it always starts with: an ACL user, and every write on disk so a
        // restart keeps the data set.
        RedisServerProcess(extraArguments: [
            "--user", "podium", "on", ">s3cret pass", "~*", "&*", "+@all", "--appendonly", "yes", "--appendfsync", "always",
        ])
    }

    static func podiumd(on redis: RedisServerProcess) -> ServerProcess {
        ServerProcess(extraArguments: ["--store", "redis://podium:s3cret%20pass@127.0.0.1:\(redis.port)"])
    }

    /// One Redis or a 3-master, 3-replica cluster.
    enum Topology: String, CaseIterable, Sendable {
        case single, cluster

        static var available: [Topology] { RedisClusterProcess.isAvailable ? allCases : [.single] }
    }

    /// Runs `body` with the `--store` URL of a fresh Redis of `topology`, then stops it.
    static func withStore(_ topology: Topology, _ body: (String) async throws -> Void) async throws {
        switch topology {
        case .single:
            let redis = Self.redis()
            try await redis.start()
            do {
                try await body("redis://podium:s3cret%20pass@127.0.0.1:\(redis.port)")
            } catch {
                Issue.record(error)
            }
            await redis.shutdown()
        case .cluster:
            let cluster = RedisClusterProcess()
            try await cluster.start()
            do {
                try await body(cluster.url)
            } catch {
                Issue.record(error)
            }
            await cluster.shutdown()
        }
    }

    static func object(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// Waits until `server`'s /metrics counts `count` subscribers of `board`.
    static func waitForSubscribers(_ server: ServerProcess, board: String, count: Int) async throws {
        for _ in 0..<250 {
            if try await server.request("GET", "/metrics").body.contains("podium_event_subscribers{board=\"\(board)\"} \(count)") { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(board) never had \(count) subscribers")
    }

    @Test(arguments: Topology.available) func twoServersShareBoardsEventsSessionsAndKeys(topology: Topology) async throws {
        try await Self.withStore(topology) { url in try await Self.shareBetweenTwoServers(url) }
    }

    static func shareBetweenTwoServers(_ url: String) async throws {
        let (a, b) = (ServerProcess(extraArguments: ["--store", url]), ServerProcess(extraArguments: ["--store", url]))
        do {
            try await a.start()
            try await b.start()
            #expect(try await a.request("PUT", "/v1/boards/arena", body: #"{"max_size": 3}"#).status == 201)
            #expect(try await b.request("PUT", "/v1/boards/arena", body: #"{"max_size": 3}"#).status == 200)

            // A stream on B sees what is written through A, evictions included.
            let stream = try EventStreamLiveTests.ServerSentEvents(b, "/v1/boards/arena/events")
            try await Self.waitForSubscribers(b, board: "arena", count: 1)
            let members = ["José", "日本語 👾", "a b/c", "d"]
            for (index, member) in members.enumerated() {
                let body = #"{"member": "\#(member)", "score": \#(10 * (index + 1)), "metadata": {"n": \#(index)}}"#
                #expect(try await a.request("POST", "/v1/boards/arena/scores", body: body).status == 200)
            }
            let events = await stream.wait(for: 5)
            #expect(events.map(\.id) == ["1", "2", "3", "4", "5"])
            #expect(events.last?.type == "member_removed" && events.last?.object["member"] as? String == "José")
            stream.cancel()

            let top = Self.object(try await b.request("GET", "/v1/boards/arena/top").body)
            let entries = top["entries"] as? [[String: Any]] ?? []
            #expect(entries.map { $0["member"] as? String } == ["d", "a b/c", "日本語 👾"])
            #expect((entries.first?["metadata"] as? [String: Any])?["n"] as? Int == 3)
            let rank = try await b.request("GET", "/v1/boards/arena/members/%E6%97%A5%E6%9C%AC%E8%AA%9E%20%F0%9F%91%BE")
            #expect(Self.object(rank.body)["rank"] as? Int == 3)

            // A session made through A works through B; ended through B, refused by both.
            let session = Self.object(try await a.request("POST", "/v1/sessions", body: #"{"player": "d", "ttl_seconds": 600}"#).body)
            let token = try #require(session["token"] as? String), id = try #require(session["session_id"] as? String)
            #expect(try await b.request("GET", "/v1/sessions/me", token: token).status == 200)
            #expect(try await b.request("DELETE", "/v1/sessions/\(id)").status == 204)
            #expect(try await a.request("GET", "/v1/sessions/me", token: token).status == 401)
            #expect(try await b.request("GET", "/v1/sessions/me", token: token).status == 401)

            // A key made through B works through A until A revokes it.
            let key = try #require(Self.object(try await b.request("POST", "/v1/keys", body: #"{"name": "game", "role": "server"}"#).body)["key"] as? String)
            #expect(try await a.request("GET", "/v1/boards", token: key).status == 200)
            #expect(try await a.request("DELETE", "/v1/keys/game").status == 204)
            #expect(try await b.request("GET", "/v1/boards", token: key).status == 401)

            // Embedded-only routes say so.
            let snapshot = try await a.request("POST", "/v1/admin/snapshot")
            #expect(snapshot.status == 409 && Self.object(snapshot.body)["code"] as? String == "embedded_only")

            // Boards in many slots (on every master of a cluster), listed by both.
            for index in 0..<6 { #expect(try await a.request("PUT", "/v1/boards/season-\(index)", body: "{}").status == 201) }
            let listed = (Self.object(try await b.request("GET", "/v1/boards").body)["boards"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(listed == ["arena"] + (0..<6).map { "season-\($0)" })
        } catch {
            Issue.record(error)
        }
        try await a.shutdown()
        try await b.shutdown()
    }

    @Test func aServerReachesRedisOverTLSWithAPassword() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-tls-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try TLSFiles.createIfMissing(in: directory, hosts: ["127.0.0.1", "localhost"])
        let files = TLSFiles.paths(in: directory)
        let redis = RedisServerProcess(extraArguments: ["--requirepass", "tls pass"], tls: (files.chain, files.key))
        try await redis.start()
        let server = ServerProcess(extraArguments: ["--store", "rediss://:tls%20pass@127.0.0.1:\(redis.port)", "--store-cacert", files.authority])
        do {
            try await server.start()
            #expect(try await server.request("PUT", "/v1/boards/b", body: "{}").status == 201)
            #expect(try await server.request("POST", "/v1/boards/b/scores", body: #"{"member": "José", "score": 7}"#).status == 200)
            #expect(Self.object(try await server.request("GET", "/v1/boards/b/members/Jos%C3%A9").body)["rank"] as? Int == 1)
        } catch {
            Issue.record(error)
        }
        try await server.shutdown()
        await redis.shutdown()
    }

    @Test func withRedisGoneWritesGet503AndServiceComesBackOnItsOwn() async throws {
        let redis = Self.redis()
        try await redis.start()
        let server = Self.podiumd(on: redis)
        do {
            try await server.start()
            #expect(try await server.request("PUT", "/v1/boards/b", body: "{}").status == 201)
            #expect(try await server.request("POST", "/v1/boards/b/scores", body: #"{"member": "m", "score": 1}"#).status == 200)

            await redis.stop()
            let client = try #require(server.client)
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/v1/boards/b/scores")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(ServerProcess.adminKey)")
            request.body = .bytes(ByteBuffer(string: #"{"member": "m", "score": 2}"#))
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 16))
            #expect(response.status.code == 503 && response.headers["Retry-After"] == ["1"], "\(body)")
            #expect(Self.object(body)["code"] as? String == "backend_unavailable")
            #expect(try await server.request("GET", "/readyz", authorized: false).status == 503)

            // Back on the same port with its data: the service recovers without a restart.
            try await redis.start()
            var status = 0
            for _ in 0..<100 where status != 200 {
                status = try await server.request("POST", "/v1/boards/b/scores", body: #"{"member": "m", "score": 3}"#).status
                if status != 200 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(status == 200)
            let entry = Self.object(try await server.request("GET", "/v1/boards/b/members/m").body)
            #expect(entry["score"] as? Double == 3)
            #expect(try await server.request("GET", "/readyz", authorized: false).status == 200)
        } catch {
            Issue.record(error)
        }
        try await server.shutdown()
        await redis.shutdown()
    }
}
