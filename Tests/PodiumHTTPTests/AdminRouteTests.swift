import Foundation
import Hummingbird
import HummingbirdTesting
import PodiumAPI
import Testing

@testable import PodiumHTTP

/// The admin routes, and what a known path answers to a method it does not serve.
struct AdminRouteTests {
    typealias Routes = RouteTests

    @Test func snapshotCompactAndStats() async throws {
        try await Routes.withApp { client in
            try await client.execute(uri: "/v1/boards/b", method: .put, headers: Routes.auth, body: Routes.json("{}"))
            for member in ["a", "b", "c"] {
                try await client.execute(
                    uri: "/v1/boards/b/scores", method: .post, headers: Routes.auth, body: Routes.json(#"{"member": "\#(member)", "score": 1}"#))
            }
            for action in ["snapshot", "compact"] {
                try await client.execute(uri: "/v1/admin/\(action)", method: .post, headers: Routes.auth) { (response: TestResponse) async throws in
                    #expect(response.status == .ok)
                    let body = try Routes.decode(SnapshotBody.self, response)
                    #expect(body.bytes > 0)
                    #expect(body.file.contains("snapshot"))
                }
            }
            try await client.execute(uri: "/v1/admin/stats", method: .get, headers: Routes.auth) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                let stats = try Routes.decode(StatsBody.self, response)
                #expect(stats.boards == 1)
                #expect(stats.members == 3)
                #expect(stats.fsync == "no")
                #expect(stats.aofWrittenBytes > 0)
                #expect(stats.residentBytes > 0)
            }
            #expect(try await client.execute(uri: "/v1/admin/stats", method: .get).status == .unauthorized)
        }
    }

    @Test func otherMethodsOnKnownPathsGet405WithAllow() async throws {
        try await Routes.withApp { client in
            let cases: [(String, HTTPRequest.Method, String)] = [
                ("/v1/boards", .post, "GET, OPTIONS"),
                ("/v1/boards/b", .post, "PUT, GET, DELETE, OPTIONS"),
                ("/v1/boards/b/scores", .patch, "POST, GET, OPTIONS"),
                ("/v1/admin/stats", .delete, "GET, OPTIONS"),
                ("/healthz", .post, "GET, OPTIONS"),
            ]
            for (uri, method, allow) in cases {
                // Without credentials as well: the method is wrong whoever asks.
                for headers: HTTPFields in [Routes.auth, [:]] {
                    try await client.execute(uri: uri, method: method, headers: headers) { (response: TestResponse) async throws in
                        #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                        #expect(response.headers[.allow] == allow)
                        #expect(try Routes.problem(response).code == "method_not_allowed")
                    }
                }
                try await client.execute(uri: uri, method: .options) { (response: TestResponse) async throws in
                    #expect(response.status == .noContent)
                    #expect(response.headers[.allow] == allow)
                }
            }
            #expect(try await client.execute(uri: "/v1/nothing", method: .post, headers: Routes.auth).status == .notFound)
            #expect(try await client.execute(uri: "/healthz", method: .head).status == .ok)
        }
    }
}
