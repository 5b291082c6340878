import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import PodiumTestSupport
import Testing

/// Tokens, valid or not, in the `Authorization` header or the event stream's
/// `?access_token=`, never reach podiumd's output, nor any error body it answers.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct TokenLoggingLiveTests {
    @Test func noTokenInTheLogsOrInErrorBodies() async throws {
        let server = ServerProcess(extraArguments: ["--max-header-bytes", "4096"])
        try await server.start()
        do {
            let bogusInHeader = "pdk_bogus-header-\(UUID().uuidString)"
            let bogusInQuery = "pdk_bogus-query-\(UUID().uuidString)"
            let created = try await server.request("POST", "/v1/keys", body: #"{"name": "game", "role": "server"}"#)
            let object = try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any]
            let serverKey = try #require(object?["key"] as? String)
            #expect(try await server.request("PUT", "/v1/boards/b", body: "{}").status == 201)

            var answers: [(what: String, status: Int, body: String)] = []
            func record(_ what: String, _ answer: (status: Int, body: String)) { answers.append((what, answer.status, answer.body)) }
            record("bogus header token", try await server.request("GET", "/v1/boards", token: bogusInHeader))
            record("bogus header token on events", try await server.request("GET", "/v1/boards/b/events", token: bogusInHeader))
            record("bogus query token", try await server.request("GET", "/v1/boards/b/events?access_token=\(bogusInQuery)", authorized: false))
            record("query token off the events route", try await server.request("GET", "/v1/boards?access_token=\(serverKey)", authorized: false))
            record("valid query token, no board", try await server.request("GET", "/v1/boards/none/events?access_token=\(serverKey)", authorized: false))
            record("valid query token, bad query", try await server.request("GET", "/v1/boards/b/events?top=0&access_token=\(serverKey)", authorized: false))
            record("valid query token, bad since", try await server.request("GET", "/v1/boards/b/events?access_token=\(serverKey)&since=x", authorized: false))
            record("server key on an admin route", try await server.request("GET", "/v1/keys", token: serverKey))
            record("bad JSON", try await server.request("POST", "/v1/boards/b/scores", body: "{", token: serverKey))
            record("no route", try await server.request("GET", "/v1/nothing?access_token=\(serverKey)", token: serverKey))
            #expect(answers.allSatisfy { $0.status >= 400 }, "\(answers.map { ($0.what, $0.status) })")

            // A head too large, the token in it: 431, the token not in the answer.
            guard let client = server.client else { throw TestFailure("not started") }
            var tooLarge = HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/v1/boards/b/events?access_token=\(serverKey)")
            tooLarge.headers.add(name: "Authorization", value: "Bearer \(serverKey)")
            tooLarge.headers.add(name: "X-Padding", value: String(repeating: "p", count: 5000))
            let refused = try await client.execute(tooLarge, timeout: .seconds(5))
            answers.append(("head too large", Int(refused.status.code), String(buffer: try await refused.body.collect(upTo: 1 << 20))))
            #expect(answers.last?.status == 431)

            // An event stream opened with the token in the query, as browsers do, then closed.
            let stream = try EventStreamLiveTests.ServerSentEvents(server, "/v1/boards/b/events?access_token=\(serverKey)", token: nil)
            try await EventStreamLiveTests.waitForSubscribers(server, board: "b", count: 1)
            stream.cancel()
            // A WebSocket with a wrong token is refused over HTTP.
            await #expect(throws: (any Error).self) {
                try await WebSocketClient.connect(
                    url: "wss://127.0.0.1:\(server.port)/v1/boards/b/events?access_token=\(bogusInQuery)",
                    configuration: EventStreamLiveTests.webSocketConfiguration, tlsConfiguration: EventStreamLiveTests.webSocketTLS(server),
                    logger: Logger(label: "ws-test")
                ) { _, _, _ in }
            }
            // Stopped, so that everything it had to say is in the log.
            #expect(await server.stop(signal: SIGTERM) == 0)

            let log = (try? String(contentsOfFile: server.logPath, encoding: .utf8)) ?? ""
            #expect(!log.isEmpty)
            for token in [bogusInHeader, bogusInQuery, serverKey, ServerProcess.adminKey] {
                // The token, or the part after its prefix encoded some other way.
                for secret in [token, String(token.dropFirst(4))] {
                    #expect(!log.contains(secret), "a token in the log:\n\(log)")
                    for answer in answers { #expect(!answer.body.contains(secret), "a token in the answer to \(answer.what): \(answer.body)") }
                }
            }
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }
}
