import Foundation
import NIOCore
import PodiumTestSupport
import Synchronization
import Testing

/// podiumd as users run it: a real process, HTTPS, a real client.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PodiumdTests {
    @Test func servesOverTLSStopsGracefullyAndKeepsItsData() async throws {
        let server = ServerProcess(fsync: "everysec")
        try await server.start()
        do {
            #expect(try await server.request("GET", "/v1/boards", authorized: false).status == 401)
            #expect(try await server.request("PUT", "/v1/boards/weekly", body: #"{"order":"desc"}"#).status == 201)
            let write = try await server.request("POST", "/v1/boards/weekly/scores", body: #"{"member":"ann","score":42}"#)
            #expect(write.status == 200 && write.body.contains(#""rank":1"#))
            // Per-route counts and latencies, by route pattern, method and status.
            let metrics = try await server.request("GET", "/metrics")
            #expect(metrics.body.contains(#"hb_requests{http_route="/v1/boards/{board}/scores",http_request_method="POST",http_response_status_code="200"} 1"#))
            #expect(metrics.body.contains(#"http_server_request_duration_count{http_route="/v1/boards/{board}/scores""#))
            #expect(await server.stop(signal: SIGTERM) == 0)
            try await server.start()
            let top = try await server.request("GET", "/v1/boards/weekly/top")
            #expect(top.status == 200 && top.body.contains(#""member":"ann""#))
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test func keysAndSessionsSurviveRestartsAndNoTokenReachesTheDiskOrTheLogs() async throws {
        let server = ServerProcess(fsync: "everysec")
        try await server.start()
        do {
            func field(_ name: String, _ body: String) throws -> String {
                let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
                return try #require(object?[name] as? String)
            }
            let created = try await server.request("POST", "/v1/keys", body: #"{"name": "game", "role": "server"}"#)
            #expect(created.status == 201)
            let serverKey = try field("key", created.body)
            #expect(try await server.request("PUT", "/v1/boards/open", body: #"{"player_submit": true}"#, token: serverKey).status == 403)
            #expect(try await server.request("PUT", "/v1/boards/open", body: #"{"player_submit": true}"#).status == 201)
            let opened = try await server.request(
                "POST", "/v1/sessions", body: #"{"player": "ann", "ttl_seconds": 600, "data": {"deck": [1, 2]}}"#, token: serverKey)
            #expect(opened.status == 201)
            let sessionToken = try field("token", opened.body)
            #expect(try await server.request("POST", "/v1/boards/open/scores", body: #"{"member": "ann", "score": 7}"#, token: sessionToken).status == 200)
            let revoked = try await server.request("POST", "/v1/sessions", body: #"{"player": "bob", "ttl_seconds": 600}"#, token: serverKey)
            #expect(try await server.request("DELETE", "/v1/sessions/\(try field("session_id", revoked.body))", token: serverKey).status == 204)
            // A snapshot, so tokens would be in both the snapshot and the log if anywhere.
            #expect(try await server.request("POST", "/v1/admin/snapshot").status == 200)
            #expect(try await server.request("PUT", "/v1/sessions/me/data", body: #"{"deck": [3]}"#, token: sessionToken).status == 200)

            #expect(await server.stop(signal: SIGTERM) == 0)
            try await server.start()
            let me = try await server.request("GET", "/v1/sessions/me", token: sessionToken)
            #expect(me.status == 200 && me.body.contains(#""deck":[3]"#))
            #expect(try await server.request("GET", "/v1/boards/open/members/ann", token: serverKey).status == 200)
            #expect(try await server.request("GET", "/v1/boards", token: try field("token", revoked.body)).status == 401)
            #expect(try await server.request("DELETE", "/v1/keys/game").status == 204)
            #expect(try await server.request("GET", "/v1/boards", token: serverKey).status == 401)

            let secrets = [ServerProcess.adminKey, serverKey, sessionToken, try field("token", revoked.body)]
            var files = (FileManager.default.subpaths(atPath: server.dataDir) ?? []).map { server.dataDir + "/" + $0 }
            files.append(server.logPath)
            #expect(files.contains { $0.hasSuffix(".aof") } && files.contains { $0.hasSuffix(".snap") })
            for file in files {
                guard let bytes = FileManager.default.contents(atPath: file) else { continue }
                for secret in secrets {
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "a token in \(file)")
                    // Nor the part after the prefix, encoded some other way.
                    #expect(bytes.range(of: Data(secret.dropFirst(4).utf8)) == nil, "a token in \(file)")
                }
            }
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test func everyAcknowledgedSessionKeyAndRevocationSurvivesSIGKILLUnderFsyncAlways() async throws {
        // The check below presents hundreds of ended tokens: no 429 for them.
        let server = ServerProcess(fsync: "always", extraArguments: ["--auth-failures-per-minute", "0"])
        // What the server acknowledged: live tokens, and tokens whose end it acknowledged.
        var live: Set<String> = [], ended: Set<String> = []
        do {
            try await server.start()
            for round in 0..<3 {
                let deadline = ContinuousClock.now + .milliseconds(400 + 150 * round)
                // The kill comes after the deadline, and once 10 ends are acknowledged this
                // round (a loaded machine acknowledges few in 400 ms), within 20 s.
                let endsThisRound = AcknowledgementCount()
                let killer = Task {
                    try await endsThisRound.wait(until: deadline, forAtLeast: 10)
                    await server.stop(signal: SIGKILL)
                }
                // 8 writers: each opens a session, or creates a key, then ends every other one.
                let outcomes = await withTaskGroup(of: (live: Set<String>, ended: Set<String>).self) { group in
                    for writer in 0..<8 {
                        group.addTask {
                            var live: Set<String> = [], ended: Set<String> = []
                            for index in 0..<100_000 {
                                let isKey = writer % 2 == 0
                                guard let response = try? await server.request(
                                    "POST", isKey ? "/v1/keys" : "/v1/sessions",
                                    body: isKey ? #"{"name":"k\#(round)-\#(writer)-\#(index)","role":"server"}"# : #"{"player":"p\#(index)","ttl_seconds":3600}"#),
                                    response.status == 201,
                                    let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
                                    let token = (object[isKey ? "key" : "token"] as? String)
                                else { break }
                                guard index % 2 == 1 else {
                                    live.insert(token)
                                    continue
                                }
                                let end = isKey ? "/v1/keys/k\(round)-\(writer)-\(index)" : "/v1/sessions/me"
                                guard let ending = try? await server.request("DELETE", end, token: isKey ? ServerProcess.adminKey : token),
                                    ending.status == 204
                                else {
                                    // Created, its end unacknowledged: either state may come back.
                                    break
                                }
                                ended.insert(token)
                                endsThisRound.value.add(1, ordering: .relaxed)
                            }
                            return (live, ended)
                        }
                    }
                    return await group.reduce(into: (live: Set<String>(), ended: Set<String>())) {
                        $0.live.formUnion($1.live)
                        $0.ended.formUnion($1.ended)
                    }
                }
                _ = try await killer.value
                live.formUnion(outcomes.live)
                ended.formUnion(outcomes.ended)
                try await server.start()
                for token in live {
                    let status = try await server.request("GET", "/v1/boards", token: token).status
                    #expect(status == 200, "round \(round): an acknowledged \(token.prefix(4)) credential was lost")
                }
                for token in ended {
                    let status = try await server.request("GET", "/v1/boards", token: token).status
                    #expect(status == 401, "round \(round): an acknowledged revocation or logout was lost")
                }
            }
            #expect(live.count > 20 && ended.count > 20, "too few acknowledgements to prove anything")
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test func everyAcknowledgedWriteSurvivesSIGKILLUnderFsyncAlways() async throws {
        let server = ServerProcess(fsync: "always")
        var acknowledged: [String: Int] = [:]
        do {
            try await server.start()
            #expect(try await server.request("PUT", "/v1/boards/crash", body: #"{"update":"set"}"#).status == 201)
            for round in 0..<5 {
                let deadline = ContinuousClock.now + .milliseconds(300 + 100 * round)
                // 16 writers until the kill; each records what the server acknowledged.
                let killer = Task {
                    try await Task.sleep(until: deadline)
                    await server.stop(signal: SIGKILL)
                }
                let acks = await server.submitUntilRefused(board: "crash", prefix: "r\(round)", writers: 16)
                _ = try await killer.value
                acknowledged.merge(acks) { $1 }
                try await server.start()
                let members = Array(acknowledged.keys)
                for start in stride(from: 0, to: members.count, by: 1000) {
                    let chunk = Array(members[start..<min(start + 1000, members.count)])
                    let body = try JSONSerialization.data(withJSONObject: ["members": chunk])
                    let response = try await server.request("POST", "/v1/boards/crash/members:lookup", body: String(decoding: body, as: UTF8.self))
                    let entries = try #require((try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])?["entries"] as? [[String: Any]])
                    let scores = Dictionary(entries.compactMap { entry -> (String, Double)? in
                        guard let member = entry["member"] as? String, let score = entry["score"] as? Double else { return nil }
                        return (member, score)
                    }) { $1 }
                    for member in chunk {
                        #expect(scores[member] == Double(acknowledged[member] ?? -1), "round \(round): \(member) acknowledged but lost")
                    }
                }
            }
            #expect(acknowledged.count > 100, "too few writes were acknowledged to prove anything")
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    /// A stopping server waits at most `TLSFiles.closeNotifyTimeout` (1 s) for the TLS
    /// close_notify of a client that has stopped reading (the idle keep-alive connection
    /// of a blocking HTTP client): SIGTERM to exit well inside NIOSSL's default 5 s.
    @Test func aGracefulStopWaitsLittleForAClientThatStoppedReading() async throws {
        let server = ServerProcess(fsync: "everysec")
        try await server.start()
        do {
            let connection = try await TestConnection.tls(port: server.port, context: TestConnection.uncheckedTLS())
            connection.send(Array("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
            #expect(await connection.responses(1, within: .seconds(10)).hasPrefix("HTTP/1.1 200"))
            try await connection.channel.setOption(ChannelOptions.autoRead, value: false)
            let started = ContinuousClock.now
            #expect(await server.stop(signal: SIGTERM) == 0)
            #expect(ContinuousClock.now - started < .seconds(3))
            await connection.close()
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }
}
