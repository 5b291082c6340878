import Foundation
import PodiumTestSupport
import Testing

/// The console as podiumd serves it: its files found next to the built executable, and
/// `--no-console` turning it off.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ConsoleLiveTests {
    @Test func podiumdServesTheConsoleUnlessToldNotTo() async throws {
        let server = ServerProcess()
        try await server.start()
        let page = try await server.request("GET", "/console/", authorized: false)
        #expect(page.status == 200 && page.body.contains("<title>Podium console</title>"))
        #expect(try await server.request("GET", "/console/app.js", authorized: false).status == 200)
        try await server.shutdown()

        let quiet = ServerProcess(extraArguments: ["--no-console"])
        try await quiet.start()
        #expect(try await quiet.request("GET", "/console/", authorized: false).status == 404)
        try await quiet.shutdown()
    }
}
