import Foundation
import PodiumTestSupport
import Testing

/// The hot routes (a submit, a batch, a member's entry, a board's top) are answered
/// before the router on the embedded store. A real podiumd over TLS, under
/// `--fsync always`, with a real client: every answer they give is the router's answer to
/// the same request, and a connection's answers keep the order of its requests whichever
/// path each took.
@Suite(.timeLimit(.minutes(5)))
struct HotRoutesLiveTests {
    /// A request of the comparison: sent to board `fast` as it is, where the hot routes
    /// may answer it, and to board `slow` with a query string, which only the router
    /// answers (a query is one of the things the hot routes leave to it). The names are
    /// as long as each other: answers that name the board have the same length.
    struct Call: CustomStringConvertible {
        var method: String
        /// With `{board}` for the board's name.
        var path: String
        var body: String?
        var token: String?
        var description: String { "\(method) \(path) \(body ?? "") as \(token.map { String($0.prefix(8)) } ?? "nobody")" }
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
    }

    @Test func everyAnswerOfTheHotRoutesIsTheRoutersAnswerToTheSameRequest() async throws {
        let server = ServerProcess(fsync: "always", extraArguments: ["--max-body", "2048", "--auth-failures-per-minute", "0"])
        try await server.start()
        do {
            for board in ["fast", "slow"] {
                #expect(try await server.request("PUT", "/v1/boards/\(board)", body: #"{"max_score": 1000000, "player_submit": true}"#).status == 201)
                // Where players may not submit.
                #expect(try await server.request("PUT", "/v1/boards/\(board)2", body: "{}").status == 201)
            }
            let created = try await server.request("POST", "/v1/keys", body: #"{"name": "game", "role": "server"}"#)
            let serverKey = try #require((try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])?["key"] as? String)
            let opened = try await server.request("POST", "/v1/sessions", body: Self.json(["player": "Zoë 🎮", "ttl_seconds": 600]), token: serverKey)
            let session = try #require((try JSONSerialization.jsonObject(with: Data(opened.body.utf8)) as? [String: Any])?["token"] as? String)
            let tokens: [String?] = [ServerProcess.adminKey, serverKey, session, "pdk_not-a-key", nil]

            var calls: [Call] = []
            let members = ["ann", "Zoë 🎮"] + AwkwardMemberIDs.all
            for token in tokens {
                for (index, member) in members.enumerated() {
                    calls.append(Call(method: "POST", path: "/v1/boards/{board}/scores", body: Self.json(["member": member, "score": index * 7 % 11]), token: token))
                }
                for body in [
                    #"{"member": "ann", "score": 5, "update": "increment"}"#, #"{"member": "ann", "score": 2, "metadata": {"team": "red ✓"}}"#,
                    #"{"member": "bob", "score": 1e300}"#, #"{"member": "bob", "score": "9"}"#, #"{"member": "bob"}"#, #"{"member": "bob", "score": NaN}"#,
                    #"{"member": "bob", "score": 1"#, "", #"{"member": "\#(AwkwardMemberIDs.tooLong)", "score": 1}"#,
                    #"{"member": "bob", "score": 1, "update": "sideways"}"#, #"{"member": "bob", "score": 3, "metadata": [1]}"#,
                    #"{"member": "bob", "score": 1, "metadata": {"pad": "\#(String(repeating: "x", count: 3000))"}}"#,
                ] {
                    calls.append(Call(method: "POST", path: "/v1/boards/{board}/scores", body: body, token: token))
                }
                calls.append(Call(method: "POST", path: "/v1/boards/{board}x/scores", body: #"{"member": "ann", "score": 1}"#, token: token))
                for body in [
                    Self.json(["entries": members.enumerated().map { ["member": $1, "score": $0 * 5 % 13] }]),
                    Self.json(["entries": [["member": "ann", "score": 3, "update": "increment"], ["member": "Zoë 🎮", "score": 4, "metadata": ["team": "blue ✓"]]]]),
                    Self.json(["entries": [["member": "", "score": 1], ["member": "bob", "score": 1e300], ["member": "bob", "score": 2]]]),
                    #"{"entries": []}"#, #"{"entries": [{"member": "ann", "score": "x"}]}"#, #"{"entries": [{"member": "ann", "score": 1, "metadata": [1]}]}"#,
                    #"{"entries": [{"member": "ann", "score": 1}"#, "", #"{"entries": [{"member": "ann", "score": 1, "update": "sideways"}]}"#,
                    Self.json(["entries": (0..<100).map { ["member": "pad \($0)", "score": $0] }]),
                ] {
                    calls.append(Call(method: "POST", path: "/v1/boards/{board}/scores/batch", body: body, token: token))
                }
                calls.append(Call(method: "POST", path: "/v1/boards/{board}x/scores/batch", body: #"{"entries": [{"member": "ann", "score": 1}]}"#, token: token))
                calls.append(Call(method: "POST", path: "/v1/boards/{board}2/scores", body: Self.json(["member": "Zoë 🎮", "score": 1]), token: token))
                for member in members + ["nobody", AwkwardMemberIDs.tooLong] {
                    calls.append(Call(method: "GET", path: "/v1/boards/{board}/members/\(AwkwardMemberIDs.percentEncoded(member))", token: token))
                }
                calls.append(Call(method: "GET", path: "/v1/boards/{board}/members/%FF", token: token))
                calls.append(Call(method: "GET", path: "/v1/boards/{board}x/members/ann", token: token))
                calls.append(Call(method: "GET", path: "/v1/boards/{board}@1/members/ann", token: token))
                for query in [
                    "", "?limit=3", "?offset=1&limit=2", "?limit=2&offset=1", "?offset=007", "?limit=0", "?limit=999999999", "?offset=-1",
                    "?limit=5&limit=6", "?limit=%35", "?limit=", "?limit=5&", "?", "?LIMIT=5", "?limit=1e2",
                ] {
                    calls.append(Call(method: "GET", path: "/v1/boards/{board}/top\(query)", token: token))
                }
                calls.append(Call(method: "GET", path: "/v1/boards/{board}x/top?limit=3", token: token))
                calls.append(Call(method: "GET", path: "/v1/boards/{board}@1/top", token: token))
            }

            var compared = 0
            for call in calls {
                func send(_ board: String, query: String) async throws -> (status: Int, headers: [String], body: String) {
                    let path = call.path.replacingOccurrences(of: "{board}", with: board) + query
                    return try await server.exchange(call.method, path, body: call.body, authorized: call.token != nil, token: call.token ?? "")
                }
                let hot = try await send("fast", query: "")
                let routed = try await send("slow", query: call.path.contains("?") ? "&via=router" : "?via=router")
                func comparable(_ answer: (status: Int, headers: [String], body: String)) -> String {
                    let headers = answer.headers.filter { !$0.hasPrefix("date: ") }.sorted()
                    return "\(answer.status) \(headers) \(answer.body.replacingOccurrences(of: "slow", with: "fast"))"
                }
                #expect(comparable(hot) == comparable(routed), "\(call)")
                compared += 1
            }
            #expect(compared == calls.count)
            // The hot routes answered what was theirs: at least each member's plain submit
            // under the two keys and its read under the keys and the session (117 here; the
            // rest went on to the router).
            func hotAnswers() async throws -> Int {
                let metrics = try await server.request("GET", "/metrics").body.split(separator: "\n")
                let line = metrics.first { $0.hasPrefix("podium_http_hot_route_answers ") }
                return line.flatMap { Double($0.split(separator: " ")[1]) }.map { Int($0) } ?? 0
            }
            let answered = try await hotAnswers()
            #expect(answered >= 5 * members.count, "\(answered) answered before the router")
            _ = try await server.request("GET", "/v1/boards/fast/top?offset=1&limit=3")
            #expect(try await hotAnswers() == answered + 1, "a plain top is a hot route's")
            // Both boards went through the same changes.
            let hotTop = try await server.request("GET", "/v1/boards/fast/top?limit=100")
            let routedTop = try await server.request("GET", "/v1/boards/slow/top?limit=100")
            #expect(hotTop.status == 200 && hotTop.body == routedTop.body)
            #expect(try await server.request("GET", "/v1/boards/fast2/top").body == (try await server.request("GET", "/v1/boards/slow2/top").body))
            // The hot routes' requests are in the route metrics under the router's names.
            let metrics = try await server.request("GET", "/metrics").body
            #expect(metrics.contains(#"hb_requests{http_route="/v1/boards/{board}/members/{member}",http_request_method="GET",http_response_status_code="200"}"#))
            #expect(metrics.contains(#"hb_requests{http_route="/v1/boards/{board}/scores",http_request_method="POST",http_response_status_code="422"}"#))
            #expect(metrics.contains(#"hb_requests{http_route="/v1/boards/{board}/scores/batch",http_request_method="POST",http_response_status_code="200"}"#))
        } catch {
            Issue.record(error)
        }
        try await server.shutdown()
    }

    /// An HTTP/1.1 request as bytes, with `token` (the admin key unless told).
    static func raw(_ method: String, _ path: String, body: String? = nil, fields: [String] = [], token: String = ServerProcess.adminKey) -> String {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: podium\r\nAuthorization: Bearer \(token)\r\n"
        for field in fields { head += field + "\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        return head + "\r\n" + (body ?? "")
    }

    /// The bodies of `text`'s responses, in order.
    static func bodies(_ text: String) -> [String] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { response in
            let parts = response.components(separatedBy: "\r\n\r\n")
            return parts.count > 1 ? parts[1] : ""
        }
    }

    @Test func pipelinedRequestsAreAnsweredInTheirOrderWhicheverPathEachTakes() async throws {
        let server = ServerProcess(fsync: "always")
        try await server.start()
        do {
            #expect(try await server.request("PUT", "/v1/boards/p", body: #"{"update": "set"}"#).status == 201)
            let connection = try await TestConnection.tls(port: server.port, context: try TestConnection.uncheckedTLS())
            // A submit that waits for its fsync, reads behind it, a routed request between
            // hot ones, a hot one behind a routed one, and the end of the connection.
            let requests = [
                Self.raw("POST", "/v1/boards/p/scores", body: #"{"member": "a", "score": 1}"#),
                Self.raw("GET", "/v1/boards/p/members/a"),
                Self.raw("GET", "/healthz"),
                Self.raw("POST", "/v1/boards/p/scores", body: #"{"member": "a", "score": 2}"#),
                Self.raw("GET", "/v1/boards/p/members/a"),
                Self.raw("POST", "/v1/boards/p/scores/batch", body: #"{"entries": [{"member": "a", "score": 4}, {"member": "c", "score": 3}]}"#),
                Self.raw("GET", "/v1/boards/p/members/nobody"),
                Self.raw("GET", "/v1/boards/p/members/a", fields: ["Connection: close"]),
            ]
            connection.send(Array(requests.joined().utf8))
            let bodies = Self.bodies(await connection.responses(requests.count, within: .seconds(20)))
            #expect(bodies.count == requests.count)
            let expected = [
                #""previous_score":null,"rank":1,"score":1.0"#, #""rank":1,"score":1.0"#, #"{"status":"ok"}"#,
                #""previous_score":1.0,"rank":1,"score":2.0"#, #""rank":1,"score":2.0"#,
                #""previous_score":2.0,"rank":1,"score":4.0,"shared_rank":1}},{"result":{"changed":true,"evicted":null,"member":"c""#,
                #""code":"member_not_found""#, #""score":4.0"#,
            ]
            for (index, (body, part)) in zip(bodies, expected).enumerated() { #expect(body.contains(part), "response \(index): \(body)") }
            #expect(await connection.closes(within: .seconds(10)), "Connection: close ends the connection")

            // Many submits at once, each waiting for an fsync: answered one by one, in order.
            let many = try await TestConnection.tls(port: server.port, context: try TestConnection.uncheckedTLS())
            let count = 300
            many.send(Array((1...count).map { Self.raw("POST", "/v1/boards/p/scores", body: #"{"member": "b", "score": \#($0)}"#) }.joined().utf8))
            let scores = Self.bodies(await many.responses(count, within: .seconds(60))).map { body in
                body.components(separatedBy: #""score":"#).last.flatMap { Double($0.prefix { $0 != "," && $0 != "}" }) }
            }
            #expect(scores == (1...count).map { Double($0) })
            await many.close()
        } catch {
            Issue.record(error)
        }
        try await server.shutdown()
    }

    /// A connection keeps the last credential it found valid, to skip checking it again:
    /// a key revoked, a session ended or expired must still stop working at once on the
    /// connections that used them, on both routes.
    @Test func aCredentialRevokedEndedOrExpiredStopsWorkingOnTheConnectionThatUsedIt() async throws {
        let server = ServerProcess(fsync: "everysec")
        try await server.start()
        do {
            #expect(try await server.request("PUT", "/v1/boards/p", body: #"{"player_submit": true}"#).status == 201)
            let created = try await server.request("POST", "/v1/keys", body: #"{"name": "game", "role": "server"}"#)
            let key = try #require((try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])?["key"] as? String)
            func session(ttl: Int) async throws -> (id: String, token: String) {
                let opened = try await server.request("POST", "/v1/sessions", body: Self.json(["player": "Zoë 🎮", "ttl_seconds": ttl]), token: key)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(opened.body.utf8)) as? [String: Any])
                return (try #require(body["session_id"] as? String), try #require(body["token"] as? String))
            }
            // Long enough to be used first on a loaded machine (a second was not, once).
            let expiring = try await session(ttl: 4), expiresAt = ContinuousClock.now + .seconds(4)
            let ended = try await session(ttl: 600)
            let submit = Self.json(["member": "Zoë 🎮", "score": 3])
            var connections: [String: (connection: TestConnection, answered: Int)] = [:]
            /// The status of `token`'s next request, a submit or a read, on its own connection.
            func status(_ token: String, submitting: Bool) async throws -> String {
                if connections[token] == nil {
                    connections[token] = (try await TestConnection.tls(port: server.port, context: try TestConnection.uncheckedTLS()), 0)
                }
                guard var (connection, answered) = connections[token] else { return "" }
                connection.send(Array((submitting ? Self.raw("POST", "/v1/boards/p/scores", body: submit, token: token)
                    : Self.raw("GET", "/v1/boards/p/members/Zo%C3%AB%20%F0%9F%8E%AE", token: token)).utf8))
                answered += 1
                connections[token] = (connection, answered)
                let text = await connection.responses(answered, within: .seconds(10))
                return String(text.components(separatedBy: "HTTP/1.1 ").dropFirst(answered).first?.prefix(3) ?? "none")
            }
            for token in [expiring.token, key, ended.token] {
                #expect(try await status(token, submitting: true) == "200")
                #expect(try await status(token, submitting: false) == "200")
            }
            #expect(try await server.request("DELETE", "/v1/keys/game").status == 204)
            #expect(try await server.request("DELETE", "/v1/sessions/\(ended.id)", token: key).status == 401, "the key is revoked")
            #expect(try await server.request("DELETE", "/v1/sessions/\(ended.id)").status == 204)
            try await Task.sleep(until: expiresAt + .milliseconds(100))
            for token in [key, ended.token, expiring.token] {
                #expect(try await status(token, submitting: true) == "401")
                #expect(try await status(token, submitting: false) == "401")
            }
            for (connection, _) in connections.values { await connection.close() }
        } catch {
            Issue.record(error)
        }
        try await server.shutdown()
    }

    @Test func aGracefulStopAnswersTheSubmitInFlightAndKeepsExactlyWhatItAcknowledged() async throws {
        let server = ServerProcess(fsync: "always")
        try await server.start()
        do {
            #expect(try await server.request("PUT", "/v1/boards/s", body: #"{"update": "set"}"#).status == 201)
            let connection = try await TestConnection.tls(port: server.port, context: try TestConnection.uncheckedTLS())
            let count = 300
            connection.send(Array((1...count).map { Self.raw("POST", "/v1/boards/s/scores", body: #"{"member": "c", "score": \#($0)}"#) }.joined().utf8))
            _ = await connection.responses(1, within: .seconds(20))
            #expect(await server.stop(signal: SIGTERM) == 0)
            #expect(await connection.closes(within: .seconds(10)))
            // The submit in flight is answered before the connection closes; what the
            // client pipelined behind it is not applied (a pipelining client sends it
            // again, as to Hummingbird's routes). What it answered, it kept, nothing more.
            let answered = Self.bodies(connection.received)
            #expect(!answered.isEmpty && answered.allSatisfy { $0.contains(#""changed":true"#) }, "\(answered.count) answered")
            try await server.start()
            let entry = try await server.request("GET", "/v1/boards/s/members/c")
            #expect(entry.status == 200 && entry.body.contains(#""score":\#(answered.count).0"#), "\(answered.count) answered: \(entry.body)")
        } catch {
            Issue.record(error)
        }
        try await server.shutdown()
    }
}
