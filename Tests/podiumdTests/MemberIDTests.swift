import Foundation
import PodiumTestSupport
import Testing

/// Awkward member ids against a real podiumd over TLS with a real client, across a restart.
@Suite(.timeLimit(.minutes(5)))
struct MemberIDTests {
    static func object(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func awkwardIDsRoundTripOverTLSAndSurviveARestart() async throws {
        let ids = AwkwardMemberIDs.all
        let server = ServerProcess(fsync: "everysec")
        try await server.start()
        do {
            #expect(try await server.request("PUT", "/v1/boards/w", body: #"{"player_submit": true}"#).status == 201)
            for (index, id) in ids.enumerated() {
                let write = try await server.request("POST", "/v1/boards/w/scores", body: try Self.json(["member": id, "score": index]))
                #expect(write.status == 200 && AwkwardMemberIDs.same(Self.object(write.body)["member"] as? String, id), "submit \(id)")
            }
            // A player whose name is not ASCII submits its own score and reads it back.
            let opened = try await server.request("POST", "/v1/sessions", body: try Self.json(["player": "Zoë 🎮", "ttl_seconds": 600]))
            let token = try #require(Self.object(opened.body)["token"] as? String)
            #expect(try await server.request("POST", "/v1/boards/w/scores", body: try Self.json(["member": "Zoë 🎮", "score": 1000]), token: token).status == 200)
            let zoe = try await server.request("GET", "/v1/boards/w/members/Zo%C3%AB%20%F0%9F%8E%AE", token: token)
            #expect(zoe.status == 200 && Self.object(zoe.body)["rank"] as? Int == 1)

            #expect(await server.stop(signal: SIGTERM) == 0)
            try await server.start()
            for (index, id) in ids.enumerated() {
                let path = AwkwardMemberIDs.percentEncoded(id)
                let entry = try await server.request("GET", "/v1/boards/w/members/\(path)")
                #expect(entry.status == 200 && AwkwardMemberIDs.same(Self.object(entry.body)["member"] as? String, id), "GET \(path)")
                #expect(Self.object(entry.body)["score"] as? Double == Double(index))
                let around = try await server.request("GET", "/v1/boards/w/around/\(path)?radius=0")
                let entries = Self.object(around.body)["entries"] as? [[String: Any]] ?? []
                #expect(entries.count == 1 && AwkwardMemberIDs.same(entries.first?["member"] as? String, id), "around \(path)")
                #expect(try await server.request("DELETE", "/v1/boards/w/members/\(path)").status == 204, "DELETE \(path)")
                let gone = try await server.request("GET", "/v1/boards/w/members/\(path)")
                #expect(gone.status == 404 && Self.object(gone.body)["detail"] as? String == "no member '\(id)' on board 'w'")
            }
            // (An invalid escape is not sent here: the client re-encodes `%zz` itself. MemberPathTests sends it.)
            #expect(try await server.request("GET", "/v1/boards/w/members/\(AwkwardMemberIDs.percentEncoded(AwkwardMemberIDs.tooLong))").status == 400)
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }
}
