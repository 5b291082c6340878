import Foundation
import Hummingbird
import HummingbirdTesting
import PodiumAPI
import PodiumTestSupport
import Testing

@testable import PodiumHTTP

/// Member ids as users really send them, through every route that names a member: the
/// path's percent-encoding is decoded, strictly, and the 128-byte limit is on the decoded
/// bytes.
struct MemberPathTests {
    static let awkwardIDs = AwkwardMemberIDs.all
    static func encoded(_ id: String) -> String { AwkwardMemberIDs.percentEncoded(id) }
    static func sameBytes(_ a: String?, _ b: String) -> Bool { AwkwardMemberIDs.same(a, b) }

    @Test(arguments: TestBackend.available) func awkwardIDsRoundTripThroughEveryMemberRoute(backend: TestBackend) async throws {
        try await RouteTests.withApp(backend) { client in
            try await client.execute(uri: "/v1/boards/w", method: .put, headers: RouteTests.auth, body: RouteTests.json("{}"))
            for (index, id) in Self.awkwardIDs.enumerated() {
                let body = try JSONSerialization.data(withJSONObject: ["member": id, "score": Double(index)])
                try await client.execute(uri: "/v1/boards/w/scores", method: .post, headers: RouteTests.auth, body: ByteBuffer(data: body)) { (response: TestResponse) async throws in
                    #expect(response.status == .ok, "submit \(id)")
                    #expect(Self.sameBytes(try RouteTests.decode(SubmitResultBody.self, response).member, id))
                }
            }
            let count = Self.awkwardIDs.count
            for (index, id) in Self.awkwardIDs.enumerated() {
                let path = Self.encoded(id)
                try await client.execute(uri: "/v1/boards/w/members/\(path)", method: .get, headers: RouteTests.auth) { (response: TestResponse) async throws in
                    #expect(response.status == .ok, "GET members/\(path)")
                    let entry = try RouteTests.decode(EntryBody.self, response)
                    #expect(Self.sameBytes(entry.member, id) && entry.score == Double(index) && entry.rank == count - index)
                }
                try await client.execute(uri: "/v1/boards/w/around/\(path)?radius=1", method: .get, headers: RouteTests.auth) { (response: TestResponse) async throws in
                    #expect(response.status == .ok, "GET around/\(path)")
                    let page = try RouteTests.decode(PageBody.self, response)
                    #expect(page.entries.contains { Self.sameBytes($0.member, id) && $0.score == Double(index) })
                }
            }
            let lookup = try JSONSerialization.data(withJSONObject: ["members": Self.awkwardIDs + ["nobody"]])
            try await client.execute(uri: "/v1/boards/w/members:lookup", method: .post, headers: RouteTests.auth, body: ByteBuffer(data: lookup)) { (response: TestResponse) async throws in
                let answer = try RouteTests.decode(LookupResponseBody.self, response)
                #expect(answer.entries.map { Array($0.member.utf8) } == Self.awkwardIDs.reversed().map { Array($0.utf8) })
                #expect(answer.missing == ["nobody"])
            }
            for id in Self.awkwardIDs {
                let path = Self.encoded(id)
                #expect(try await client.execute(uri: "/v1/boards/w/members/\(path)", method: .delete, headers: RouteTests.auth).status == .noContent, "DELETE \(path)")
                try await client.execute(uri: "/v1/boards/w/members/\(path)", method: .get, headers: RouteTests.auth) { (response: TestResponse) async throws in
                    #expect(response.status == .notFound)
                    // The detail names the id as the client wrote it, decoded.
                    #expect(try RouteTests.problem(response).detail == "no member '\(id)' on board 'w'")
                }
            }
        }
    }

    @Test func nfcAndNFDAreTwoMembers() async throws {
        try await RouteTests.withApp { client in
            try await client.execute(uri: "/v1/boards/w", method: .put, headers: RouteTests.auth, body: RouteTests.json("{}"))
            try await client.execute(uri: "/v1/boards/w/scores", method: .post, headers: RouteTests.auth, body: RouteTests.json(#"{"member": "\u00e9", "score": 1}"#))
            try await client.execute(uri: "/v1/boards/w/scores", method: .post, headers: RouteTests.auth, body: RouteTests.json(#"{"member": "e\u0301", "score": 2}"#))
            for (path, score) in [("%C3%A9", 1.0), ("e%CC%81", 2.0)] {
                try await client.execute(uri: "/v1/boards/w/members/\(path)", method: .get, headers: RouteTests.auth) { (response: TestResponse) async throws in
                    #expect(try RouteTests.decode(EntryBody.self, response).score == score)
                }
            }
            #expect(try await client.execute(uri: "/v1/boards/w/members/e%CC%81", method: .delete, headers: RouteTests.auth).status == .noContent)
            #expect(try await client.execute(uri: "/v1/boards/w/members/%C3%A9", method: .get, headers: RouteTests.auth).status == .ok)
        }
    }

    @Test func invalidEncodingsAreRefusedNotLookedUp() async throws {
        try await RouteTests.withApp { client in
            try await client.execute(uri: "/v1/boards/w", method: .put, headers: RouteTests.auth, body: RouteTests.json("{}"))
            // The raw text of each bad path exists as a member: a lookup of it would succeed.
            for raw in ["%zz", "%", "a%2", "%C3", "%FF", "%C3%28", "%ED%A0%80"] {
                let body = try JSONSerialization.data(withJSONObject: ["member": raw, "score": 1])
                try await client.execute(uri: "/v1/boards/w/scores", method: .post, headers: RouteTests.auth, body: ByteBuffer(data: body))
                for (method, path) in [(HTTPRequest.Method.get, "members/\(raw)"), (.delete, "members/\(raw)"), (.get, "around/\(raw)")] {
                    try await client.execute(uri: "/v1/boards/w/\(path)", method: method, headers: RouteTests.auth) { (response: TestResponse) async throws in
                        #expect(response.status == .badRequest, "\(method) \(path)")
                        #expect(try RouteTests.problem(response).code == "invalid_encoding")
                    }
                }
            }
            for query in ["top?limit=%zz", "top?offset=%", "scores?min=%FF", "count?max=%C3", "top?%zz=1"] {
                try await client.execute(uri: "/v1/boards/w/\(query)", method: .get, headers: RouteTests.auth) { (response: TestResponse) async throws in
                    #expect(response.status == .badRequest, "\(query)")
                    #expect(try RouteTests.problem(response).code == "invalid_encoding")
                }
            }
            #expect(try await client.execute(uri: "/v1/boards/%zz", method: .get, headers: RouteTests.auth).status == .badRequest)
            // Encoded query values and a form's '+' for a space are read as numbers.
            #expect(try await client.execute(uri: "/v1/boards/w/top?limit=%31%30", method: .get, headers: RouteTests.auth).status == .ok)
            #expect(try await client.execute(uri: "/v1/boards/w/count?min=+1&max=%2Binf", method: .get, headers: RouteTests.auth).status == .ok)
        }
    }

    @Test func theLimitIsOnDecodedBytes() async throws {
        try await RouteTests.withApp { client in
            try await client.execute(uri: "/v1/boards/w", method: .put, headers: RouteTests.auth, body: RouteTests.json("{}"))
            let tooLong = AwkwardMemberIDs.tooLong
            let body = try JSONSerialization.data(withJSONObject: ["member": tooLong, "score": 1])
            try await client.execute(uri: "/v1/boards/w/scores", method: .post, headers: RouteTests.auth, body: ByteBuffer(data: body)) { (response: TestResponse) async throws in
                #expect(try RouteTests.problem(response).code == "invalid_member")
            }
            for (method, route) in [(HTTPRequest.Method.get, "members"), (.delete, "members"), (.get, "around")] {
                try await client.execute(uri: "/v1/boards/w/\(route)/\(Self.encoded(tooLong))", method: method, headers: RouteTests.auth) { (response: TestResponse) async throws in
                    #expect(response.status == .badRequest)
                    #expect(try RouteTests.problem(response).code == "invalid_member")
                }
            }
        }
    }
}
