import Foundation
import Hummingbird
import HummingbirdTesting
import PodiumAPI
import PodiumService
import PodiumStorage
import PodiumTestSupport
import Testing

@testable import PodiumHTTP

/// Every route's happy path and its refusals, through Hummingbird's router, as JSON.
/// (Live tests over TLS come with podiumd.)
struct RouteTests {
    static let key = "pdk_test-admin-key"
    static let auth: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]

    /// Runs `test` against a fresh `backend`: by default the embedded one, in a temporary
    /// data directory.
    static func withApp(
        _ backend: TestBackend = .embedded, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await backend.run(adminKey: key) { backend in
            let app = Application(router: podiumRouters(backend: backend).http)
            try await app.test(.router) { client in try await test(client) }
        }
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func decode<Body: Decodable>(_ type: Body.Type, _ response: TestResponse) throws -> Body {
        try JSONDecoder().decode(Body.self, from: Data(response.body.readableBytesView))
    }

    static func problem(_ response: TestResponse) throws -> ProblemBody {
        #expect(response.headers[.contentType] == "application/problem+json")
        return try decode(ProblemBody.self, response)
    }

    @Test(arguments: TestBackend.available) func healthChecksNeedNoKeyAndEverythingElseDoes(backend: TestBackend) async throws {
        try await Self.withApp(backend) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"], [.authorization: "Basic abc"], [.authorization: "Bearer "]] {
                try await client.execute(uri: "/v1/boards", method: .get, headers: headers) { (response: TestResponse) async throws in
                    #expect(response.status == .unauthorized)
                    #expect(try Self.problem(response) == Problem.unauthorized.body)
                }
            }
        }
    }

    @Test(arguments: TestBackend.available) func metricsAreBehindTheKeyAndCountBoardsAndTheLog(backend: TestBackend) async throws {
        try await Self.withApp(backend) { client in
            try await client.execute(uri: "/v1/boards/b", method: .put, headers: Self.auth, body: Self.json("{}"))
            try await client.execute(uri: "/v1/boards/b/scores", method: .post, headers: Self.auth, body: Self.json(#"{"member": "a", "score": 1}"#))
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            try await client.execute(uri: "/metrics", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                let text = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(text.contains(#"podium_board_members{board="b"} 1"#))
                // The log's counters are the embedded store's.
                #expect(text.contains("podium_aof_written_bytes") == (backend == .embedded))
            }
        }
    }

    @Test(arguments: TestBackend.available) func boardsAreCreatedShownListedAndDropped(backend: TestBackend) async throws {
        try await Self.withApp(backend) { client in
            let config = Self.json(#"{"order": "asc", "update": "set", "tie_break": "member", "max_size": 10}"#)
            try await client.execute(uri: "/v1/boards/race.1", method: .put, headers: Self.auth, body: config) { (response: TestResponse) async throws in
                #expect(response.status == .created)
                let board = try Self.decode(BoardBody.self, response)
                #expect(board.order == .ascending && board.tieBreak == .member && board.maxSize == 10 && board.size == 0)
            }
            #expect(try await client.execute(uri: "/v1/boards/race.1", method: .put, headers: Self.auth, body: config).status == .ok)
            try await client.execute(uri: "/v1/boards/race.1", method: .put, headers: Self.auth, body: Self.json("{}")) { (response: TestResponse) async throws in
                #expect(response.status == .conflict)
                #expect(try Self.problem(response).code == "board_config_conflict")
            }
            try await client.execute(uri: "/v1/boards/daily", method: .put, headers: Self.auth, body: Self.json("{}")) { (response: TestResponse) async throws in
                // Defaults: desc, best, earliest, unbounded; max_size present as null.
                #expect(String(buffer: response.body).contains(#""max_size":null"#))
            }
            try await client.execute(uri: "/v1/boards", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(BoardListBody.self, response).boards.map(\.name) == ["daily", "race.1"])
            }
            #expect(try await client.execute(uri: "/v1/boards/daily", method: .delete, headers: Self.auth).status == .noContent)
            try await client.execute(uri: "/v1/boards/daily", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(response.status == .notFound)
                #expect(try Self.problem(response).code == "board_not_found")
            }
        }
    }

    @Test(arguments: TestBackend.available) func badInputIsAProblemAndChangesNothing(backend: TestBackend) async throws {
        try await Self.withApp(backend) { client in
            try await client.execute(uri: "/v1/boards/b", method: .put, headers: Self.auth, body: Self.json("{}"))
            let cases: [(String, HTTPRequest.Method, String, HTTPResponse.Status, String)] = [
                ("/v1/boards/bad%20name", .put, "{}", .badRequest, "invalid_board_name"),
                ("/v1/boards/c", .put, #"{"order": "sideways"}"#, .badRequest, "invalid_request"),
                ("/v1/boards/c", .put, #"{"max_size": 0}"#, .badRequest, "invalid_config"),
                ("/v1/boards/b/scores", .post, "{not json", .badRequest, "invalid_json"),
                ("/v1/boards/b/scores", .post, #"{"member": "a"}"#, .badRequest, "invalid_request"),
                ("/v1/boards/b/scores", .post, #"{"member": "a", "score": "12"}"#, .badRequest, "invalid_request"),
                ("/v1/boards/b/scores", .post, #"{"member": "a", "score": 1e999}"#, .badRequest, "invalid_json"),
                ("/v1/boards/b/scores", .post, #"{"member": "", "score": 1}"#, .badRequest, "invalid_member"),
                ("/v1/boards/b/scores", .post, #"{"member": "a\u0001", "score": 1}"#, .badRequest, "invalid_member"),
                ("/v1/boards/nope/scores", .post, #"{"member": "a", "score": 1}"#, .notFound, "board_not_found"),
                ("/v1/boards/b/top?limit=1001", .get, "", .badRequest, "invalid_request"),
                ("/v1/boards/b/top?offset=x", .get, "", .badRequest, "invalid_request"),
                ("/v1/boards/b/count?min=banana", .get, "", .badRequest, "invalid_score"),
                ("/v1/boards/b/count?min=nan", .get, "", .badRequest, "invalid_score"),
                ("/v1/boards/b/members/ghost", .get, "", .notFound, "member_not_found"),
                ("/v1/no/such/route", .get, "", .notFound, "not_found"),
            ]
            for (uri, method, body, status, code) in cases {
                try await client.execute(uri: uri, method: method, headers: Self.auth, body: body.isEmpty ? nil : Self.json(body)) { (response: TestResponse) async throws in
                    #expect(response.status == status, "\(method) \(uri)")
                    #expect(try Self.problem(response).code == code, "\(method) \(uri)")
                }
            }
            // An offset near Int.max reads an empty page: nothing overflows (it once trapped on Redis).
            for uri in ["/v1/boards/b/top?offset=9223372036854775806&limit=10", "/v1/boards/b/scores?offset=9223372036854775806"] {
                try await client.execute(uri: uri, method: .get, headers: Self.auth) {
                (response: TestResponse) async throws in
                    #expect(try response.status == .ok && Self.decode(PageBody.self, response).entries.isEmpty, "\(uri)")
                }
            }
            // Invalid ids in a lookup are missing, not an error.
            try await client.execute(uri: "/v1/boards/b/members:lookup", method: .post, headers: Self.auth, body: Self.json(#"{"members": ["", "a"]}"#)) {
                (response: TestResponse) async throws in
                #expect(response.status == .ok)
            }
            let huge = ByteBuffer(string: #"{"member": "a", "score": 1, "pad": ""# + String(repeating: "x", count: 1 << 20) + #""}"#)
            try await client.execute(uri: "/v1/boards/b/scores", method: .post, headers: Self.auth, body: huge) { (response: TestResponse) async throws in
                #expect(response.status == .contentTooLarge)
                #expect(try Self.problem(response).code == "payload_too_large")
            }
            try await client.execute(uri: "/v1/boards/b", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(BoardBody.self, response).size == 0)
            }
        }
    }

    @Test(arguments: TestBackend.available) func scoreBoundsRefuseWith422AndShowOnTheBoard(backend: TestBackend) async throws {
        try await Self.withApp(backend) { client in
            let config = #"{"update": "incr", "min_score": 0, "max_score": 1000}"#
            #expect(try await client.execute(uri: "/v1/boards/capped", method: .put, headers: Self.auth, body: Self.json(config)).status == .created)
            try await client.execute(uri: "/v1/boards/capped", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                let board = try Self.decode(BoardBody.self, response)
                #expect(board.minScore == 0 && board.maxScore == 1000)
            }
            #expect(try await client.execute(uri: "/v1/boards/capped/scores", method: .post, headers: Self.auth, body: Self.json(#"{"member": "José", "score": 990}"#)).status == .ok)
            // 990 + 20 would pass the cap: refused, and José keeps 990.
            try await client.execute(uri: "/v1/boards/capped/scores", method: .post, headers: Self.auth, body: Self.json(#"{"member": "José", "score": 20}"#)) { (response: TestResponse) async throws in
                #expect(response.status == .unprocessableContent)
                let problem = try Self.problem(response)
                #expect(problem.code == "score_out_of_bounds" && problem.detail.contains("at least 0.0 and at most 1000.0"))
            }
            let batch = #"{"entries": [{"member": "a", "score": -1}, {"member": "b", "score": 5}]}"#
            try await client.execute(uri: "/v1/boards/capped/scores/batch", method: .post, headers: Self.auth, body: Self.json(batch)) { (response: TestResponse) async throws in
                let results = try Self.decode(BatchResponseBody.self, response).results
                #expect(results.map { $0.error?.code } == ["score_out_of_bounds", nil])
            }
            try await client.execute(uri: "/v1/boards/capped/members/Jos%C3%A9", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(EntryBody.self, response).score == 990)
            }
            try await client.execute(uri: "/v1/boards/crossed", method: .put, headers: Self.auth, body: Self.json(#"{"min_score": 5, "max_score": 1}"#)) { (response: TestResponse) async throws in
                #expect(try response.status == .badRequest && Self.problem(response).code == "invalid_config")
            }
        }
    }

    @Test(arguments: TestBackend.available) func seasonsAreScheduledResetByHandListedAndReadButNotWritten(backend: TestBackend) async throws {
        try await Self.withApp(backend) { client in
            let config = #"{"update": "set", "reset": {"every": "weekly", "at": "06:30", "timezone": "Europe/Paris", "keep": 3}}"#
            #expect(try await client.execute(uri: "/v1/boards/weekly", method: .put, headers: Self.auth, body: Self.json(config)).status == .created)
            try await client.execute(uri: "/v1/boards/weekly", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                let board = try Self.decode(BoardBody.self, response)
                #expect(board.reset == ResetBody(every: .weekly, at: "06:30", timezone: "Europe/Paris", keep: 3))
                #expect(String(buffer: response.body).contains(#""timezone":"Europe/Paris""#), "no escaped slash")
                #expect(board.nextReset?.hasSuffix(":30:00.000Z") == true)
            }
            for bad in [
                #"{"every": "weekly", "at": "25:00"}"#, #"{"every": "weekly", "at": "6:30"}"#, #"{"every": "daily", "timezone": "Mars/Olympus"}"#,
                #"{"every": "daily", "keep": 0}"#, #"{"every": "hourly"}"#, #"{"at": "00:00"}"#,
            ] {
                let response = try await client.execute(uri: "/v1/boards/bad", method: .put, headers: Self.auth, body: Self.json(#"{"reset": \#(bad)}"#))
                #expect(response.status == .badRequest, "\(bad)")
            }
            for (member, score) in [("José", 10), ("a b/c", 30), ("👾", 20)] {
                let body = #"{"member": \#(String(decoding: try JSONEncoder().encode(member), as: UTF8.self)), "score": \#(score)}"#
                #expect(try await client.execute(uri: "/v1/boards/weekly/scores", method: .post, headers: Self.auth, body: Self.json(body)).status == .ok)
            }
            let reset = try await client.execute(uri: "/v1/boards/weekly/reset", method: .post, headers: Self.auth)
            #expect(reset.status == .ok)
            let season = try Self.decode(SeasonBody.self, reset)
            #expect(season.size == 3 && season.from != nil && season.id.contains("-W"))
            try await client.execute(uri: "/v1/boards/weekly/seasons", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(SeasonListBody.self, response).seasons == [season])
            }
            // Every read on the archive, `@` as it is or percent-encoded; the live board is empty.
            let archive = "/v1/boards/weekly@\(season.id)"
            try await client.execute(uri: archive + "/top", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(PageBody.self, response).entries.map(\.member) == ["a b/c", "👾", "José"])
            }
            try await client.execute(uri: "/v1/boards/weekly%40\(season.id)/members/a%20b%2Fc", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(EntryBody.self, response).rank == 1)
            }
            for read in ["/around/%F0%9F%91%BE?radius=1", "/scores?min=15&max=40", "/count?min=15&max=40", ""] {
                #expect(try await client.execute(uri: archive + read, method: .get, headers: Self.auth).status == .ok, "\(read)")
            }
            #expect(try await client.execute(uri: archive + "/members:lookup", method: .post, headers: Self.auth, body: Self.json(#"{"members": ["José"]}"#)).status == .ok)
            try await client.execute(uri: "/v1/boards/weekly/top", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(PageBody.self, response).total == 0)
            }
            // Writes to it are refused with 409 and change nothing.
            for (method, path, body) in [
                (HTTPRequest.Method.post, "/scores", #"{"member": "x", "score": 1}"#), (.delete, "/members/Jos%C3%A9", ""),
                (.post, "/reset", ""), (.delete, "", ""), (.put, "", "{}"),
            ] {
                try await client.execute(uri: archive + path, method: method, headers: Self.auth, body: Self.json(body)) { (response: TestResponse) async throws in
                    #expect(response.status == .conflict || response.status == .badRequest, "\(method) \(path)")
                    #expect(try Self.problem(response).code == (method == .put ? "invalid_board_name" : "season_read_only"), "\(method) \(path)")
                }
            }
            try await client.execute(uri: "/v1/boards/weekly@1999-W01/top", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try response.status == .notFound && Self.problem(response).code == "season_not_found")
            }
            try await client.execute(uri: archive + "/top", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(PageBody.self, response).total == 3)
            }
        }
    }

    @Test(arguments: TestBackend.available) func metadataComesBackInEveryEntryThatHasSomeAndBadMetadataIsRefused(backend: TestBackend) async throws {
        try await Self.withApp(backend) { client in
            #expect(try await client.execute(uri: "/v1/boards/b", method: .put, headers: Self.auth, body: Self.json("{}")).status == .created)
            let ann = #"{"member": "a b/c", "score": 10, "metadata": {"name": "Ann ⚽", "country": "FR", "tags": ["a/b", 1.5]}}"#
            try await client.execute(uri: "/v1/boards/b/scores", method: .post, headers: Self.auth, body: Self.json(ann)) { (response: TestResponse) async throws in
                let text = String(buffer: response.body)
                // Stored and written as compact JSON with sorted keys.
                #expect(text.contains(#""metadata":{"country":"FR","name":"Ann ⚽","tags":["a/b",1.5]}"#), "\(text)")
            }
            _ = try await client.execute(uri: "/v1/boards/b/scores", method: .post, headers: Self.auth, body: Self.json(#"{"member": "bob", "score": 5}"#))
            let expected: JSONValue = .object(["country": .string("FR"), "name": .string("Ann ⚽"), "tags": .array([.string("a/b"), .number(1.5)])])
            for path in ["/top", "/around/bob?radius=1", "/scores?min=0&max=100"] {
                try await client.execute(uri: "/v1/boards/b" + path, method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                    let entries = try Self.decode(PageBody.self, response).entries
                    #expect(entries.map(\.metadata) == [expected, nil], "\(path)")
                    // A member without metadata has no key at all.
                    #expect(!String(buffer: response.body).contains(#""member":"bob","metadata""#))
                }
            }
            try await client.execute(uri: "/v1/boards/b/members/a%20b%2Fc", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(EntryBody.self, response).metadata == expected)
            }
            try await client.execute(uri: "/v1/boards/b/members:lookup", method: .post, headers: Self.auth, body: Self.json(#"{"members": ["a b/c"]}"#)) { (response: TestResponse) async throws in
                #expect(try Self.decode(LookupResponseBody.self, response).entries.first?.metadata == expected)
            }
            for (body, status, code) in [
                (#"{"member": "x", "score": 1, "metadata": [1]}"#, HTTPResponse.Status.badRequest, "invalid_metadata"),
                (#"{"member": "x", "score": 1, "metadata": "name"}"#, .badRequest, "invalid_metadata"),
                (#"{"member": "x", "score": 1, "metadata": {"x": "\#(String(repeating: "y", count: 1100))"}}"#, .contentTooLarge, "metadata_too_large"),
            ] {
                try await client.execute(uri: "/v1/boards/b/scores", method: .post, headers: Self.auth, body: Self.json(body)) { (response: TestResponse) async throws in
                    #expect(try response.status == status && Self.problem(response).code == code)
                }
            }
            // In a batch, a too large one fails alone.
            let batch = #"{"entries": [{"member": "x", "score": 1, "metadata": {"x": "\#(String(repeating: "y", count: 1100))"}}, {"member": "y", "score": 2, "metadata": {"n": 1}}]}"#
            try await client.execute(uri: "/v1/boards/b/scores/batch", method: .post, headers: Self.auth, body: Self.json(batch)) { (response: TestResponse) async throws in
                let results = try Self.decode(BatchResponseBody.self, response).results
                #expect(results.map { $0.error?.code } == ["metadata_too_large", nil])
                #expect(results.last?.result?.metadata == .object(["n": .number(1)]))
            }
            try await client.execute(uri: "/v1/boards/b/top", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(PageBody.self, response).total == 3)
            }
        }
    }

    @Test(arguments: TestBackend.available) func oneSubmitFeedsManyBoards(backend: TestBackend) async throws {
        try await Self.withApp(backend) { client in
            for (board, config) in [("daily", #"{"update": "set"}"#), ("weekly", #"{"update": "incr"}"#)] {
                try await client.execute(uri: "/v1/boards/\(board)", method: .put, headers: Self.auth, body: Self.json(config))
            }
            let body = #"{"member": "a b/c", "score": 7, "boards": ["weekly", "nope", "daily"]}"#
            for expected in [7.0, 14.0] {
                try await client.execute(uri: "/v1/scores", method: .post, headers: Self.auth, body: Self.json(body)) { (response: TestResponse) async throws in
                    #expect(response.status == .ok)
                    let results = try Self.decode(ManyBoardsResponseBody.self, response).results
                    #expect(results.map(\.board) == ["weekly", "nope", "daily"])
                    #expect(results[0].result?.score == expected && results[2].result?.score == 7)
                    #expect(results[1].error?.code == "board_not_found" && results[1].result == nil)
                }
            }
            for bad in [#"{"member": "a", "score": 1, "boards": []}"#, #"{"member": "a", "score": 1, "boards": ["daily", "daily"]}"#] {
                try await client.execute(uri: "/v1/scores", method: .post, headers: Self.auth, body: Self.json(bad)) { (response: TestResponse) async throws in
                    #expect(try response.status == .badRequest && Self.problem(response).code == "invalid_request")
                }
            }
        }
    }

    @Test(arguments: TestBackend.available) func scoresAndEveryRead(backend: TestBackend) async throws {
        try await Self.withApp(backend) { client in
            try await client.execute(uri: "/v1/boards/b", method: .put, headers: Self.auth, body: Self.json(#"{"max_size": 4}"#))
            try await client.execute(uri: "/v1/boards/b/scores", method: .post, headers: Self.auth, body: Self.json(#"{"member": "ann", "score": 10}"#)) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                let result = try Self.decode(SubmitResultBody.self, response)
                #expect(result.rank == 1 && result.sharedRank == 1 && result.previousScore == nil && result.changed)
                #expect(String(buffer: response.body).contains(#""previous_rank":null"#))
            }
            let batch = #"{"entries": [{"member": "bob", "score": 8}, {"member": "", "score": 1}, {"member": "cy", "score": 8}, {"member": "dee", "score": 3}, {"member": "eve", "score": 9}]}"#
            try await client.execute(uri: "/v1/boards/b/scores/batch", method: .post, headers: Self.auth, body: Self.json(batch)) { (response: TestResponse) async throws in
                let results = try Self.decode(BatchResponseBody.self, response).results
                #expect(results.count == 5)
                #expect(results[1].error?.code == "invalid_member" && results[1].result == nil)
                #expect(results[4].result?.evicted == "dee")
            }
            try await client.execute(uri: "/v1/boards/b/members/cy", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                let entry = try Self.decode(EntryBody.self, response)
                #expect(entry.rank == 4 && entry.sharedRank == 3 && entry.percentile == 0)
            }
            try await client.execute(uri: "/v1/boards/b/top?offset=1&limit=2", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                let page = try Self.decode(PageBody.self, response)
                #expect(page.entries.map(\.member) == ["eve", "bob"] && page.total == 4)
            }
            try await client.execute(uri: "/v1/boards/b/around/bob?radius=1", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(PageBody.self, response).entries.map(\.member) == ["eve", "bob", "cy"])
            }
            try await client.execute(uri: "/v1/boards/b/scores?min=(8&max=%2Binf", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(PageBody.self, response).entries.map(\.member) == ["ann", "eve"])
            }
            try await client.execute(uri: "/v1/boards/b/count?min=8&max=9", method: .get, headers: Self.auth) { (response: TestResponse) async throws in
                #expect(try Self.decode(CountBody.self, response).count == 3)
            }
            let friends = #"{"members": ["cy", "nobody", "ann", "cy", "nobody", "zed"]}"#
            try await client.execute(uri: "/v1/boards/b/members:lookup", method: .post, headers: Self.auth, body: Self.json(friends)) { (response: TestResponse) async throws in
                // What the screen shows: present members best first, each once; the missing named once, in request order.
                let lookup = try Self.decode(LookupResponseBody.self, response)
                #expect(lookup.entries.map(\.member) == ["ann", "cy"] && lookup.entries.map(\.rank) == [1, 4])
                #expect(lookup.missing == ["nobody", "zed"])
            }
            #expect(try await client.execute(uri: "/v1/boards/b/members/cy", method: .delete, headers: Self.auth).status == .noContent)
            #expect(try await client.execute(uri: "/v1/boards/b/members/cy", method: .delete, headers: Self.auth).status == .notFound)
        }
    }
}
