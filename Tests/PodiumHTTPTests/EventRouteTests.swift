import Foundation
import Hummingbird
import HummingbirdTesting
import PodiumTestSupport
import Testing

@testable import PodiumHTTP

/// The event route's refusals at the router (streams themselves are tested live, over TLS,
/// in podiumdTests: a stream that works does not end, which a router test cannot wait for).
struct EventRouteTests {
    @Test func theQueryTokenIsTakenOnTheEventRouteOnly() async throws {
        try await RouteTests.withApp { client in
            let token = "access_token=\(RouteTests.key)"
            // Authenticated by the query: the unknown board answers, not the missing header.
            try await client.execute(uri: "/v1/boards/nope/events?\(token)", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .notFound)
            }
            // Anywhere else, a token in the URL is not a credential.
            for path in ["/v1/boards?\(token)", "/v1/boards/nope?\(token)", "/v1/admin/stats?\(token)"] {
                #expect(try await client.execute(uri: path, method: .get).status == .unauthorized, "\(path)")
            }
            #expect(try await client.execute(uri: "/v1/boards/nope/events?access_token=pdk_wrong", method: .get).status == .unauthorized)
        }
    }

    @Test func badQueriesAreProblems() async throws {
        try await RouteTests.withApp { client in
            try await client.execute(uri: "/v1/boards/b", method: .put, headers: RouteTests.auth, body: RouteTests.json("{}"))
            let refused: [(String, String)] = [
                ("top=0", "invalid_request"), ("top=x", "invalid_request"), ("since=-1", "invalid_request"),
                ("since=1e3", "invalid_request"), ("members=%zz", "invalid_encoding"),
                ("members=" + String(repeating: "m,", count: 101), "invalid_request"),
                ("members=" + AwkwardMemberIDs.percentEncoded(AwkwardMemberIDs.tooLong), "invalid_member"),
            ]
            for (query, code) in refused {
                try await client.execute(uri: "/v1/boards/b/events?\(query)", method: .get, headers: RouteTests.auth) { (response: TestResponse) async throws in
                    #expect(response.status == .badRequest, "\(query)")
                    #expect(try RouteTests.problem(response).code == code, "\(query)")
                }
            }
            // An upgrade the WebSocket router refused is not answered with a stream.
            var upgrade = RouteTests.auth
            upgrade[.upgrade] = "websocket"
            #expect(try await client.execute(uri: "/v1/boards/b/events", method: .get, headers: upgrade).status == .badRequest)
        }
    }
}
