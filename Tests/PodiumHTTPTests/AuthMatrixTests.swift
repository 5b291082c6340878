import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PodiumAPI
import PodiumEngine
import PodiumService
import PodiumStorage
import PodiumTestSupport
import Testing

@testable import PodiumHTTP

/// Who may call what: every route against every kind of credential (SPEC sections 4-5).
struct AuthMatrixTests {
    static let adminKey = "pdk_matrix-admin"

    enum Credential: String, CaseIterable, Sendable {
        case none, malformed, unknown, expired, revoked, player, server, admin
    }

    /// Who a route is for; `player` routes are the player's own session.
    enum Audience: Sendable { case anyone, servers, admins, players }

    struct Route: Sendable {
        var method: HTTPRequest.Method
        /// The path for a credential: routes that remove something get their own target each.
        var path: @Sendable (Credential) -> String
        var body: String?
        var audience: Audience
        var success: HTTPResponse.Status
        /// Meaningful on the embedded store only: 409 `embedded_only` on Redis, once past
        /// authentication.
        var embeddedOnly = false
    }

    static let routes: [Route] = [
        Route(method: .get, path: { _ in "/metrics" }, audience: .admins, success: .ok),
        Route(method: .get, path: { _ in "/v1/boards" }, audience: .anyone, success: .ok),
        Route(method: .get, path: { _ in "/v1/whoami" }, audience: .anyone, success: .ok),
        Route(method: .put, path: { "/v1/boards/new-\($0)" }, body: "{}", audience: .admins, success: .created),
        Route(method: .get, path: { _ in "/v1/boards/b" }, audience: .anyone, success: .ok),
        Route(method: .delete, path: { "/v1/boards/drop-\($0)" }, audience: .admins, success: .noContent),
        Route(method: .post, path: { _ in "/v1/boards/b/scores" }, body: #"{"member": "alice", "score": 5}"#, audience: .anyone, success: .ok),
        Route(method: .post, path: { _ in "/v1/scores" }, body: #"{"member": "alice", "score": 6, "boards": ["b"]}"#, audience: .anyone, success: .ok),
        Route(method: .post, path: { _ in "/v1/boards/b/scores/batch" }, body: #"{"entries": [{"member": "x", "score": 1}]}"#, audience: .servers, success: .ok),
        Route(method: .get, path: { _ in "/v1/boards/b/members/alice" }, audience: .anyone, success: .ok),
        Route(method: .delete, path: { "/v1/boards/b/members/gone-\($0)" }, audience: .servers, success: .noContent),
        Route(method: .get, path: { _ in "/v1/boards/b/top?limit=5" }, audience: .anyone, success: .ok),
        Route(method: .get, path: { _ in "/v1/boards/b/around/alice?radius=2" }, audience: .anyone, success: .ok),
        Route(method: .get, path: { _ in "/v1/boards/b/scores?min=-inf&max=%2Binf" }, audience: .anyone, success: .ok),
        Route(method: .get, path: { _ in "/v1/boards/b/count?min=0&max=10" }, audience: .anyone, success: .ok),
        Route(method: .post, path: { _ in "/v1/boards/b/members:lookup" }, body: #"{"members": ["alice"]}"#, audience: .anyone, success: .ok),
        Route(method: .get, path: { _ in "/v1/boards/b/seasons" }, audience: .anyone, success: .ok),
        Route(method: .post, path: { _ in "/v1/boards/season/reset" }, audience: .admins, success: .ok),
        // The stream of a board that is not there: past authentication, the board's 404 (a
        // stream that works does not end; EventStreamLiveTests reads them).
        Route(method: .get, path: { _ in "/v1/boards/none/events" }, audience: .anyone, success: .notFound),
        Route(method: .post, path: { _ in "/v1/sessions" }, body: #"{"player": "p", "ttl_seconds": 60}"#, audience: .servers, success: .created),
        Route(method: .delete, path: { "/v1/sessions/{\($0)}" }, audience: .servers, success: .noContent),
        Route(method: .get, path: { _ in "/v1/sessions/me" }, audience: .players, success: .ok),
        Route(method: .put, path: { _ in "/v1/sessions/me/data" }, body: #"{"level": 3}"#, audience: .players, success: .ok),
        Route(method: .post, path: { _ in "/v1/sessions/me/refresh" }, audience: .players, success: .ok),
        // POST /v1/keys: below, each call with a name of its own.
        Route(method: .get, path: { _ in "/v1/keys" }, audience: .admins, success: .ok),
        Route(method: .delete, path: { "/v1/keys/k-\($0)" }, audience: .admins, success: .noContent),
        Route(method: .post, path: { _ in "/v1/admin/snapshot" }, audience: .admins, success: .ok, embeddedOnly: true),
        Route(method: .post, path: { _ in "/v1/admin/compact" }, audience: .admins, success: .ok, embeddedOnly: true),
        Route(method: .get, path: { _ in "/v1/admin/stats" }, audience: .admins, success: .ok, embeddedOnly: true),
        Route(method: .get, path: { _ in "/v1/admin/backup" }, audience: .admins, success: .ok, embeddedOnly: true),
        // Last: it ends the player's session.
        Route(method: .delete, path: { _ in "/v1/sessions/me" }, audience: .players, success: .noContent),
    ]

    static func admits(_ audience: Audience, _ credential: Credential) -> Bool {
        switch (audience, credential) {
        case (.anyone, .player), (.anyone, .server), (.anyone, .admin): true
        case (.servers, .server), (.servers, .admin), (.admins, .admin), (.players, .player): true
        default: false
        }
    }

    /// Runs `test` on a service with a board `b` players may submit to, a closed board, and
    /// the credentials of every kind (their tokens by credential).
    static func withApp(
        _ backend: TestBackend = .embedded, authFailuresPerMinute: Int = 0,
        _ test: @escaping @Sendable (any TestClientProtocol, [Credential: String], TestClock) async throws -> Void
    ) async throws {
        let clock = TestClock()
        try await backend.run(adminKey: adminKey, clock: clock.read) { backend in
            _ = try await backend.boards.createBoard(name: "b", config: BoardConfig(playerSubmit: true))
            _ = try await backend.boards.createBoard(name: "closed", config: BoardConfig())
            _ = try await backend.boards.submit(board: "b", ScoreSubmission(member: "alice", score: 1))

            var tokens: [Credential: String] = [.malformed: "not a token", .unknown: Token.generate(prefix: Token.keyPrefix), .admin: adminKey]
            tokens[.server] = try await backend.access.createKey(name: "srv", role: .server).secret
            let revoked = try await backend.access.createKey(name: "old", role: .server)
            try await backend.access.revokeKey(name: "old")
            tokens[.revoked] = revoked.secret
            tokens[.expired] = try await backend.access.createSession(player: "late", ttlSeconds: 1, data: []).token
            tokens[.player] = try await backend.access.createSession(player: "alice", ttlSeconds: 3600, data: []).token
            clock.advance(seconds: 2)
            let credentials = tokens

            let app = Application(router: podiumRouters(backend: backend, authFailuresPerMinute: authFailuresPerMinute, clock: clock.read).http)
            try await app.test(.router) { client in
                try await test(client, credentials, clock)
            }
        }
    }

    static func headers(_ credential: Credential, _ tokens: [Credential: String]) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json"]
        switch credential {
        case .none: break
        case .malformed: headers[.authorization] = "Basic YWxhZGRpbjpvcGVuc2VzYW1l"
        default: headers[.authorization] = "Bearer \(tokens[credential] ?? "")"
        }
        return headers
    }

    @Test(arguments: TestBackend.available) func everyRouteAgainstEveryCredential(backend: TestBackend) async throws {
        try await Self.withApp(backend) { (client: any TestClientProtocol, tokens: [Credential: String], _: TestClock) async throws in
            // What the removing routes remove, one each for every credential.
            let admin = Self.headers(.admin, tokens)
            var sessionIDs: [Credential: String] = [:]
            try await client.execute(uri: "/v1/boards/season", method: .put, headers: admin, body: ByteBuffer(string: "{}"))
            for credential in Credential.allCases {
                try await client.execute(uri: "/v1/boards/drop-\(credential)", method: .put, headers: admin, body: ByteBuffer(string: "{}"))
                try await client.execute(
                    uri: "/v1/boards/b/scores", method: .post, headers: admin,
                    body: ByteBuffer(string: #"{"member": "gone-\#(credential)", "score": 1}"#))
                try await client.execute(
                    uri: "/v1/keys", method: .post, headers: admin, body: ByteBuffer(string: #"{"name": "k-\#(credential)", "role": "server"}"#))
                let created = try await client.execute(
                    uri: "/v1/sessions", method: .post, headers: admin, body: ByteBuffer(string: #"{"player": "q", "ttl_seconds": 600}"#))
                sessionIDs[credential] = try JSONDecoder().decode(IssuedSessionBody.self, from: Data(created.body.readableBytesView)).sessionID
            }
            // Key creation, once per credential, each with a name of its own.
            for credential in Credential.allCases {
                let response = try await client.execute(
                    uri: "/v1/keys", method: .post, headers: Self.headers(credential, tokens),
                    body: ByteBuffer(string: #"{"name": "new-\#(credential)", "role": "server"}"#))
                let expected: HTTPResponse.Status =
                    switch credential {
                    case .admin: .created
                    case .player, .server: .forbidden
                    default: .unauthorized
                    }
                #expect(response.status == expected, "POST /v1/keys as \(credential)")
            }
            for route in Self.routes {
                for credential in Credential.allCases {
                    var uri = route.path(credential)
                    if let id = sessionIDs[credential] { uri = uri.replacingOccurrences(of: "{\(credential)}", with: id) }
                    let expected: HTTPResponse.Status =
                        switch credential {
                        case .none, .malformed, .unknown, .expired, .revoked: .unauthorized
                        default:
                            !Self.admits(route.audience, credential) ? .forbidden
                                : backend == .redis && route.embeddedOnly ? .conflict : route.success
                        }
                    let response = try await client.execute(
                        uri: uri, method: route.method, headers: Self.headers(credential, tokens),
                        body: route.body.map { ByteBuffer(string: $0) })
                    #expect(response.status == expected, "\(route.method) \(uri) as \(credential): \(String(buffer: response.body))")
                    if expected == .unauthorized {
                        #expect(String(buffer: response.body).contains(#""detail":"missing or invalid credentials""#))
                    }
                }
            }
        }
    }

    @Test(arguments: TestBackend.available) func aPlayerSubmitsOnlyItsOwnScoreOnlyWhereTheBoardAllows(backend: TestBackend) async throws {
        try await Self.withApp(backend) { (client: any TestClientProtocol, tokens: [Credential: String], _: TestClock) async throws in
            let player = Self.headers(.player, tokens)
            func submit(_ board: String, _ body: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/v1/boards/\(board)/scores", method: .post, headers: player, body: ByteBuffer(string: body)).status
            }
            #expect(try await submit("b", #"{"member": "alice", "score": 9}"#) == .ok)
            #expect(try await submit("b", #"{"member": "bob", "score": 9}"#) == .forbidden)
            #expect(try await submit("b", #"{"member": "alice", "score": 9, "update": "set"}"#) == .forbidden)
            #expect(try await submit("closed", #"{"member": "alice", "score": 9}"#) == .forbidden)
            #expect(try await submit("nope", #"{"member": "alice", "score": 9}"#) == .notFound)
            // "andré" precomposed and decomposed: the same text to Swift's `==`, two member
            // ids to the engine.
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: Self.headers(.server, tokens),
                body: ByteBuffer(string: "{\"player\": \"andr\u{E9}\", \"ttl_seconds\": 60}"))
            let andre = try JSONDecoder().decode(IssuedSessionBody.self, from: Data(created.body.readableBytesView)).token
            func submitAsAndre(_ member: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/v1/boards/b/scores", method: .post, headers: [.authorization: "Bearer \(andre)"],
                    body: ByteBuffer(string: "{\"member\": \"\(member)\", \"score\": 1}")).status
            }
            #expect("andr\u{E9}" == "andre\u{301}")
            #expect(try await submitAsAndre("andre\u{301}") == .forbidden)
            #expect(try await submitAsAndre("andr\u{E9}") == .ok)
        }
    }

    @Test(arguments: TestBackend.available) func theSchemeIsCaseInsensitiveAnd401SaysBearer(backend: TestBackend) async throws {
        try await Self.withApp(backend) { (client: any TestClientProtocol, tokens: [Credential: String], _: TestClock) async throws in
            let admin = tokens[.admin] ?? ""
            for header in ["bearer \(admin)", "BEARER \(admin)", "Bearer  \(admin)"] {
                #expect(try await client.execute(uri: "/v1/boards", method: .get, headers: [.authorization: header]).status == .ok, "\(header)")
            }
            let refused = try await client.execute(uri: "/v1/boards", method: .get, headers: [.authorization: "Bearer x"])
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.wwwAuthenticate] == #"Bearer realm="podium""#)
        }
    }

    @Test(arguments: TestBackend.available) func sessionRoutesReadReplaceRefreshAndEnd(backend: TestBackend) async throws {
        try await Self.withApp(backend) { (client: any TestClientProtocol, tokens: [Credential: String], clock: TestClock) async throws in
            let server = Self.headers(.server, tokens)
            let created = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: server,
                body: ByteBuffer(string: #"{"player": "zed", "ttl_seconds": 60, "data": {"skin": "red", "xp": [1, 2]}}"#))
            #expect(created.status == .created)
            let issued = try JSONDecoder().decode(IssuedSessionBody.self, from: Data(created.body.readableBytesView))
            #expect(issued.token.hasPrefix("pds_") && issued.player == "zed")
            #expect(issued.expiresAt == "2027-01-15T08:01:02.000Z")
            let mine: HTTPFields = [.authorization: "Bearer \(issued.token)", .contentType: "application/json"]
            func me() async throws -> SessionBody {
                let response = try await client.execute(uri: "/v1/sessions/me", method: .get, headers: mine)
                return try JSONDecoder().decode(SessionBody.self, from: Data(response.body.readableBytesView))
            }
            #expect(try await me().data == .object(["skin": .string("red"), "xp": .array([.number(1), .number(2)])]))
            #expect(try await client.execute(uri: "/v1/sessions/me/data", method: .put, headers: mine, body: ByteBuffer(string: "[true]")).status == .ok)
            #expect(try await me().data == .array([.bool(true)]))
            let big = ByteBuffer(string: "\"" + String(repeating: "x", count: 16_400) + "\"")
            let tooBig = try await client.execute(uri: "/v1/sessions/me/data", method: .put, headers: mine, body: big)
            #expect(tooBig.status == .contentTooLarge)
            #expect(try await client.execute(uri: "/v1/sessions/me/data", method: .put, headers: mine, body: ByteBuffer(string: "{")).status == .badRequest)
            #expect(try await client.execute(uri: "/v1/sessions/me/data", method: .put, headers: mine, body: ByteBuffer()).status == .badRequest)

            clock.advance(seconds: 50)
            #expect(try await client.execute(uri: "/v1/sessions/me/refresh", method: .post, headers: mine).status == .ok)
            clock.advance(seconds: 50)
            #expect(try await me().expiresAt == "2027-01-15T08:01:52.000Z")
            clock.advance(seconds: 11)
            #expect(try await client.execute(uri: "/v1/sessions/me", method: .get, headers: mine).status == .unauthorized)

            for body in [#"{"player": "p", "ttl_seconds": 0}"#, #"{"player": "p", "ttl_seconds": 2592001}"#, #"{"player": "", "ttl_seconds": 5}"#, #"{"player": "p"}"#] {
                let response = try await client.execute(uri: "/v1/sessions", method: .post, headers: server, body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body)")
            }
            #expect(try await client.execute(uri: "/v1/sessions/ses_nothing", method: .delete, headers: server).status == .notFound)
            for body in [#"{"player": "p", "ttl_seconds": "60"}"#, #"{"player": "p", "ttl_seconds": 1.5}"#, #"{"player": "p", "ttl_seconds": 1e30}"#] {
                let response = try await client.execute(uri: "/v1/sessions", method: .post, headers: server, body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body)")
            }

            // Keys: bad role, bad name, a name taken, the bootstrap key; none changes the list.
            let admin = Self.headers(.admin, tokens)
            func keyNames() async throws -> [String] {
                let response = try await client.execute(uri: "/v1/keys", method: .get, headers: admin)
                return try JSONDecoder().decode(KeyListBody.self, from: Data(response.body.readableBytesView)).keys.map(\.name)
            }
            let before = try await keyNames()
            for (body, status, code) in [
                (#"{"name": "k", "role": "player"}"#, HTTPResponse.Status.badRequest, "invalid_request"),
                (#"{"name": "a b", "role": "server"}"#, .badRequest, "invalid_key_name"),
                (#"{"name": "srv", "role": "admin"}"#, .conflict, "key_exists"),
                (#"{"name": "bootstrap", "role": "admin"}"#, .conflict, "key_exists"),
                (#"{"name": 5, "role": "admin"}"#, .badRequest, "invalid_request"),
            ] {
                let response = try await client.execute(uri: "/v1/keys", method: .post, headers: admin, body: ByteBuffer(string: body))
                #expect(response.status == status, "\(body)")
                #expect(String(buffer: response.body).contains(#""code":"\#(code)""#), "\(body)")
            }
            let bootstrap = try await client.execute(uri: "/v1/keys/bootstrap", method: .delete, headers: admin)
            #expect(bootstrap.status == .conflict && String(buffer: bootstrap.body).contains("key_not_revocable"))
            #expect(try await client.execute(uri: "/v1/keys/none", method: .delete, headers: admin).status == .notFound)
            #expect(try await keyNames() == before)
        }
    }

    @Test(arguments: TestBackend.available) func whoamiNamesTheCallersRoleAndIdentity(backend: TestBackend) async throws {
        try await Self.withApp(backend) { (client: any TestClientProtocol, tokens: [Credential: String], _: TestClock) async throws in
            func whoami(_ credential: Credential) async throws -> String {
                let response = try await client.execute(uri: "/v1/whoami", method: .get, headers: Self.headers(credential, tokens))
                #expect(response.status == .ok, "\(credential)")
                return String(buffer: response.body)
            }
            #expect(try await whoami(.admin) == #"{"key":"bootstrap","role":"admin"}"#)
            #expect(try await whoami(.server) == #"{"key":"srv","role":"server"}"#)
            let player = try JSONDecoder().decode(CallerBody.self, from: Data(try await whoami(.player).utf8))
            let session = try await client.execute(uri: "/v1/sessions/me", method: .get, headers: Self.headers(.player, tokens))
            let own = try JSONDecoder().decode(SessionBody.self, from: Data(session.body.readableBytesView))
            #expect(player == CallerBody(player: "alice", sessionID: own.sessionID, expiresAt: own.expiresAt))
        }
    }

    @Test func repeatedFailuresFromOneAddressGet429UntilTheMinuteIsOver() async throws {
        try await Self.withApp(authFailuresPerMinute: 3) { (client: any TestClientProtocol, tokens: [Credential: String], clock: TestClock) async throws in
            let wrong: HTTPFields = [.authorization: "Bearer pdk_wrong"]
            for _ in 0..<3 { #expect(try await client.execute(uri: "/v1/boards", method: .get, headers: wrong).status == .unauthorized) }
            for credential in [AuthMatrixTests.Credential.unknown, .admin] {
                let response = try await client.execute(uri: "/v1/boards", method: .get, headers: Self.headers(credential, tokens))
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter].flatMap(Int.init).map { (1...60).contains($0) } == true)
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            clock.advance(seconds: 60)
            #expect(try await client.execute(uri: "/v1/boards", method: .get, headers: Self.headers(.admin, tokens)).status == .ok)
        }
    }
}

struct AuthFailureLimiterTests {
    @Test func windowsAreCountedPerAddressAndTheTableStaysBounded() {
        let clock = TestClock()
        let limiter = AuthFailureLimiter(failuresPerMinute: 2, clock: clock.read)
        limiter.recordFailure(client: "a")
        #expect(limiter.retryAfter(client: "a") == nil)
        limiter.recordFailure(client: "a")
        #expect(limiter.retryAfter(client: "a") == 60)
        #expect(limiter.retryAfter(client: "b") == nil)
        clock.advance(seconds: 59)
        #expect(limiter.retryAfter(client: "a") == 1)
        clock.advance(seconds: 1)
        #expect(limiter.retryAfter(client: "a") == nil)
        for index in 0..<(AuthFailureLimiter.maxAddresses + 10) {
            limiter.recordFailure(client: "x\(index)")
        }
        #expect(limiter.retryAfter(client: "x0") == nil)
        limiter.recordFailure(client: "x0")
        #expect(limiter.retryAfter(client: "x0") == 60)
        // The table is full: addresses not in it share one count, already past the limit.
        #expect(limiter.retryAfter(client: "x\(AuthFailureLimiter.maxAddresses + 5)") == 60)
        #expect(limiter.retryAfter(client: "never-failed") == 60)
        clock.advance(seconds: 60)
        limiter.recordFailure(client: "late")
        limiter.recordFailure(client: "late")
        #expect(limiter.retryAfter(client: "late") == 60, "the old minute's addresses were dropped")
    }
}

struct ClientAddressTests {
    @Test func aTrustedProxyNamesTheClientAndNobodyElseDoes() {
        func address(peer: String?, forwardedFor: String?) -> String {
            var head = HTTPRequest(method: .get, scheme: "https", authority: "podium", path: "/v1/boards")
            if let forwardedFor, let name = HTTPField.Name("X-Forwarded-For") { head.headerFields[name] = forwardedFor }
            return Request(head: head, body: .init(buffer: ByteBuffer())).headers.clientAddress(peer: peer, trustedProxies: ["10.0.0.1"])
        }
        #expect(address(peer: "10.0.0.1", forwardedFor: "1.2.3.4") == "1.2.3.4")
        #expect(address(peer: "10.0.0.1", forwardedFor: "6.6.6.6, 1.2.3.4") == "1.2.3.4", "what the client wrote before the proxy's entry is not trusted")
        #expect(address(peer: "10.0.0.1", forwardedFor: nil) == "10.0.0.1")
        #expect(address(peer: "9.9.9.9", forwardedFor: "1.2.3.4") == "9.9.9.9", "an untrusted peer cannot choose its address")
        #expect(address(peer: nil, forwardedFor: "1.2.3.4") == "unknown")
    }
}
