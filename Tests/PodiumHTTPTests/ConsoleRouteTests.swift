import Foundation
import Hummingbird
import HummingbirdTesting
import PodiumService
import PodiumStorage
import Testing

@testable import PodiumHTTP

/// `/console/`: the shipped files, their security headers and cache validators, and a
/// check that the pages hold nothing the Content-Security-Policy would block.
struct ConsoleRouteTests {
    static func withConsole(_ test: @escaping @Sendable (any TestClientProtocol, ConsoleFiles) async throws -> Void) async throws {
        let console = try #require(ConsoleFiles.bundled(), "the Console resources are not next to the test binary")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("podium-console-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (store, boards, _) = try DurableStore.open(path: path, policy: .no)
        defer { try? store.close() }
        let app = Application(router: podiumRouters(backend: PodiumBackend(Podium(store: store, recovered: boards)), console: console).http)
        try await app.test(.router) { client in try await test(client, console) }
    }

    @Test func filesAreServedWithoutATokenUnderAStrictPolicy() async throws {
        try await Self.withConsole { client, _ in
            for (uri, type) in [
                ("/console", "text/html; charset=utf-8"), ("/console/", "text/html; charset=utf-8"),
                ("/console/index.html", "text/html; charset=utf-8"), ("/console/app.js", "text/javascript; charset=utf-8"),
                ("/console/style.css", "text/css; charset=utf-8"),
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(response.headers[.contentType] == type, "\(uri)")
                    #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'; script-src 'self'; style-src 'self';") == true)
                    #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    #expect(response.headers[.referrerPolicy] == "no-referrer")
                    #expect(response.headers[.xFrameOptions] == "DENY", "\(uri) may be framed")
                    #expect(response.headers[.cacheControl] == "no-cache")
                    #expect(response.headers[.eTag]?.hasPrefix("\"") == true)
                    #expect(response.body.readableBytes > 100)
                }
            }
            let missing = try await client.execute(uri: "/console/secrets.txt", method: .get)
            #expect(missing.status == .notFound && missing.headers[.contentType] == "application/problem+json")
            #expect(try await client.execute(uri: "/console/..%2Fadmin.key", method: .get).status == .notFound)
        }
    }

    @Test func anUnchangedFileIsNotSentAgain() async throws {
        try await Self.withConsole { client, _ in
            let first = try await client.execute(uri: "/console/app.js", method: .get)
            let eTag = try #require(first.headers[.eTag])
            let again = try await client.execute(uri: "/console/app.js", method: .get, headers: [.ifNoneMatch: eTag])
            #expect(again.status == .notModified && again.body.readableBytes == 0 && again.headers[.eTag] == eTag)
            let other = try await client.execute(uri: "/console/app.js", method: .get, headers: [.ifNoneMatch: "\"stale\""])
            #expect(other.status == .ok)
        }
    }

    /// What the policy forbids must not be in the files: inline scripts, event-handler
    /// attributes, inline styles, anything fetched from another origin, and HTML built from
    /// strings (server data goes in as text).
    @Test func thePagesNeedNothingThePolicyBlocks() async throws {
        let console = try #require(ConsoleFiles.bundled())
        let html = String(decoding: try #require(console.files["index.html"]).bytes, as: UTF8.self)
        let scripts = html.components(separatedBy: "<script").dropFirst()
        #expect(!scripts.isEmpty && scripts.allSatisfy { $0.hasPrefix(" src=\"/console/") })
        #expect(html.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "an inline event handler")
        #expect(!html.contains("style=") && !html.contains("<style"), "an inline style")
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"))
        // The SVG namespace is a name, not an address anything is fetched from.
        let script = String(decoding: try #require(console.files["app.js"]).bytes, as: UTF8.self)
            .replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "http://", "https://"] {
            #expect(!script.contains(forbidden), "app.js uses \(forbidden)")
        }
        let css = String(decoding: try #require(console.files["style.css"]).bytes, as: UTF8.self)
        #expect(!css.contains("@import") && !css.contains("url("))
    }
}
