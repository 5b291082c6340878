import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL
import PodiumTestSupport
import Synchronization
import Testing

/// The event stream of a real podiumd over TLS: Server-Sent Events read with
/// AsyncHTTPClient, WebSockets with HummingbirdWSClient.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct EventStreamLiveTests {
    /// Reads an SSE stream in the background: each event's `id` and JSON object.
    final class ServerSentEvents: @unchecked Sendable {
        // @unchecked Sendable: `task` is written once, in init, before anything else can
        // see the object, and only read after; `events` is behind a Mutex.
        struct Event: Sendable {
            var id: String?
            var json: String
            var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:] }
            var type: String { object["type"] as? String ?? "" }
        }

        let events = Mutex<[Event]>([])
        /// Set when the response body ended (or the request failed).
        let finished = Mutex(false)
        private var task: Task<Void, Never>?

        init(
            _ server: ServerProcess, _ path: String, token: String? = ServerProcess.adminKey, headers: [(String, String)] = [],
            client: HTTPClient? = nil
        ) throws {
            guard let client = client ?? server.client else { throw TestFailure("not started") }
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(server.port)\(path)")
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            request.headers.add(name: "Accept", value: "text/event-stream")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            task = Task { [self, request] in
                defer { finished.withLock { $0 = true } }
                guard let response = try? await client.execute(request, timeout: .seconds(120)) else { return }
                var pending = ""
                do {
                    for try await buffer in response.body {
                        pending += String(buffer: buffer)
                        while let end = pending.range(of: "\n\n") {
                            let block = pending[..<end.lowerBound]
                            pending = String(pending[end.upperBound...])
                            var event = Event(id: nil, json: "")
                            for line in block.split(separator: "\n") {
                                if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
                                if line.hasPrefix("data: ") { event.json = String(line.dropFirst(6)) }
                            }
                            if !event.json.isEmpty { events.withLock { $0.append(event) } }
                        }
                    }
                } catch {}
            }
        }

        /// Waits until `count` events arrived (or `timeout`); returns them all.
        func wait(for count: Int, timeout: Duration = .seconds(10)) async -> [Event] {
            let deadline = ContinuousClock.now + timeout
            while events.withLock({ $0.count }) < count, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            return events.withLock { $0 }
        }

        /// Whether the server ended the stream within `timeout`.
        func ended(within timeout: Duration = .seconds(10)) async -> Bool {
            let deadline = ContinuousClock.now + timeout
            while !finished.withLock({ $0 }), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            return finished.withLock { $0 }
        }

        func cancel() { task?.cancel() }
    }

    /// The `events` object of `GET /v1/admin/stats`.
    static func eventStatistics(_ server: ServerProcess) async throws -> [String: Any] {
        let stats = try await server.request("GET", "/v1/admin/stats")
        let object = try JSONSerialization.jsonObject(with: Data(stats.body.utf8)) as? [String: Any]
        return object?["events"] as? [String: Any] ?? [:]
    }

    static func subscribers(_ server: ServerProcess, board: String) async throws -> Int {
        (try await eventStatistics(server)["subscribers"] as? [String: Any])?[board] as? Int ?? 0
    }

    static func waitForSubscribers(_ server: ServerProcess, board: String, count: Int) async throws {
        for _ in 0..<250 {
            if try await subscribers(server, board: board) == count { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let stats = try await server.request("GET", "/v1/admin/stats")
        #expect(try await subscribers(server, board: board) == count, "\(stats)")
    }

    /// The local TCP port of the one socket `pid` has open, from /proc.
    static func localPort(ofProcess pid: pid_t) -> Int? {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let inodes = Set(fds.compactMap { fd -> String? in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? ""
            return target.hasPrefix("socket:[") ? String(target.dropFirst(8).dropLast()) : nil
        })
        return tcpSockets().first { inodes.contains($0.inode) }?.local
    }

    /// Whether the server's side of the connection from `clientPort` is still ESTABLISHED.
    static func isEstablished(from serverPort: Int, to clientPort: Int) -> Bool {
        tcpSockets().contains { $0.local == serverPort && $0.remote == clientPort && $0.state == "01" }
    }

    /// IPv4 TCP sockets from /proc/net/tcp: local and remote port, state (hex), inode.
    static func tcpSockets() -> [(local: Int, remote: Int, state: String, inode: String)] {
        // Read to its end: /proc files report a size of 0, and the table outgrows one read.
        let table = FileHandle(forReadingAtPath: "/proc/net/tcp").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) } ?? ""
        return table.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 9, let local = fields[1].split(separator: ":").last, let remote = fields[2].split(separator: ":").last,
                let localPort = Int(local, radix: 16), let remotePort = Int(remote, radix: 16)
            else { return nil }
            return (localPort, remotePort, String(fields[3]), String(fields[9]))
        }
    }

    /// The certificate podiumd made names localhost; an IP address cannot be a TLS server name.
    static let webSocketConfiguration = WebSocketClientConfiguration(sniHostname: "localhost")

    static func webSocketTLS(_ server: ServerProcess) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(server.dataDir + "/tls/ca.pem")
        return tls
    }

    @Test func sseAndWebSocketClientsSeeTheSameChangesAndTheDrop() async throws {
        let server = ServerProcess(fsync: "always")
        try await server.start()
        do {
            #expect(try await server.request("PUT", "/v1/boards/w", body: "{}").status == 201)
            let watching = try ServerSentEvents(server, "/v1/boards/w/events?members=Jos%C3%A9,bob")
            let messages = Mutex<[String]>([])
            let logger = Logger(label: "ws-test")
            let url = "wss://127.0.0.1:\(server.port)/v1/boards/w/events?access_token=\(ServerProcess.adminKey)"
            let webSocket = Task {
                try await WebSocketClient.connect(url: url, configuration: Self.webSocketConfiguration, tlsConfiguration: Self.webSocketTLS(server), logger: logger) { inbound, _, _ in
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        if case let .text(text) = message { messages.withLock { $0.append(text) } }
                    }
                }
            }
            try await Self.waitForSubscribers(server, board: "w", count: 2)

            for (member, score) in [("José", 5), ("bob", 7), ("ann", 9)] {
                #expect(try await server.request("POST", "/v1/boards/w/scores", body: #"{"member":"\#(member)","score":\#(score)}"#).status == 200)
            }
            #expect(try await server.request("DELETE", "/v1/boards/w").status == 204)

            let close = try await webSocket.value
            #expect(close?.closeCode == .normalClosure)
            let all = messages.withLock { $0 }.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
            #expect(all.map { $0["type"] as? String ?? "" } == ["score_changed", "score_changed", "score_changed", "board_dropped"])
            #expect(all.map { $0["seq"] as? Int ?? 0 } == [1, 2, 3, 4])

            let seen = await watching.wait(for: 6)
            #expect(seen.map { "\($0.id ?? "-") \($0.type) \($0.object["member"] as? String ?? "")" } == [
                "1 score_changed José", "2 score_changed bob", "2 overtaken José", "3 overtaken bob", "3 overtaken José", "4 board_dropped ",
            ])
            #expect(await watching.ended())
            #expect(try await Self.subscribers(server, board: "w") == 0)
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test func refusalsResumeAndAGracefulStopWithStreamsOpen() async throws {
        let server = ServerProcess(fsync: "everysec")
        try await server.start()
        do {
            #expect(try await server.request("PUT", "/v1/boards/r", body: #"{"update":"set"}"#).status == 201)
            for index in 1...5 {
                _ = try await server.request("POST", "/v1/boards/r/scores", body: #"{"member":"m\#(index)","score":\#(index)}"#)
            }
            // Wrong token, unknown board, bad query: plain HTTP answers (an upgrade's: after the restart).
            #expect(try await server.request("GET", "/v1/boards/r/events", token: "pdk_wrong").status == 401)
            #expect(try await server.request("GET", "/v1/boards/nope/events").status == 404)
            #expect(try await server.request("GET", "/v1/boards/r/events?top=0").status == 400)
            #expect(try await server.request("GET", "/v1/boards/r/events?since=-1").status == 400)
            let logger = Logger(label: "ws-test")

            // Last-Event-ID resumes after it: 3, 4, 5, then live.
            let resumed = try ServerSentEvents(server, "/v1/boards/r/events", headers: [("Last-Event-ID", "2")])
            #expect(await resumed.wait(for: 3).compactMap(\.id) == ["3", "4", "5"])
            _ = try await server.request("POST", "/v1/boards/r/scores", body: #"{"member":"José 🏆 a/b","score":99}"#)
            let beforeStop = await resumed.wait(for: 4)
            #expect(beforeStop.compactMap(\.id) == ["3", "4", "5", "6"])
            let live = Task {
                try await WebSocketClient.connect(
                    url: "wss://127.0.0.1:\(server.port)/v1/boards/r/events?since=5&access_token=\(ServerProcess.adminKey)",
                    configuration: Self.webSocketConfiguration, tlsConfiguration: Self.webSocketTLS(server), logger: logger
                ) { inbound, _, _ in for try await _ in inbound {} }
            }
            try await Self.waitForSubscribers(server, board: "r", count: 2)

            // SIGTERM with both streams and an idle keep-alive connection open: they are
            // closed, and the server exits cleanly, each close ending as soon as the peer's
            // close_notify comes (NIOSSL alone waited 5 s for it).
            let started = ContinuousClock.now
            #expect(await server.stop(signal: SIGTERM) == 0)
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(await resumed.ended())
            let close = try await live.value
            // A stopping server closes each WebSocket with 1000 (HummingbirdWebSocket's own
            // close on shutdown and the route's are the same frame), and it arrives.
            #expect(close?.closeCode == .normalClosure, "\(String(describing: close))")

            // The stop kept the history: resuming after the restart replays the same events.
            try await server.start()
            let afterRestart = try ServerSentEvents(server, "/v1/boards/r/events", headers: [("Last-Event-ID", "2")])
            #expect(await afterRestart.wait(for: 4).map(\.json) == beforeStop.map(\.json))
            afterRestart.cancel()

            // A refused upgrade is a plain HTTP answer. Checked after the timed stop: the
            // client library leaves a refused connection open, unanswered, and a stop waits
            // out the close_notify timeout for it.
            await #expect(throws: (any Error).self) {
                try await WebSocketClient.connect(
                    url: "wss://127.0.0.1:\(server.port)/v1/boards/r/events?access_token=pdk_wrong",
                    configuration: Self.webSocketConfiguration, tlsConfiguration: Self.webSocketTLS(server), logger: logger
                ) { _, _, _ in }
            }
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    /// Under `--fsync always` a seq once delivered is never handed out again, and no
    /// acknowledged change goes missing unannounced: after a SIGKILL in the middle of
    /// writes, the board's seq counts at least every acknowledged change, a stream resumed
    /// from the last event delivered is told (`lagged`) of every one it cannot replay (the
    /// history is kept in memory), and the first new event follows them all.
    @Test func numberingGoesOnAfterSIGKILLWithoutReuse() async throws {
        let server = ServerProcess(fsync: "always")
        try await server.start()
        do {
            for round in 0..<3 {
                // A board a round, so streams of earlier rounds still closing do not count.
                let board = "k\(round)"
                #expect(try await server.request("PUT", "/v1/boards/\(board)", body: #"{"update":"set"}"#).status == 201)
                let stream = try ServerSentEvents(server, "/v1/boards/\(board)/events")
                try await Self.waitForSubscribers(server, board: board, count: 1)
                // Each acknowledged submit is one change (a new score each time).
                let writers = (0..<4).map { writer in
                    Task {
                        var acknowledged = 0
                        for index in 0..<10_000 {
                            guard let response = try? await server.request("POST", "/v1/boards/\(board)/scores", body: #"{"member":"w\#(writer)","score":\#(index)}"#)
                            else { return acknowledged }
                            if response.status == 200 { acknowledged += 1 }
                        }
                        return acknowledged
                    }
                }
                // Killed once enough went out to prove something, however loaded the machine.
                _ = await stream.wait(for: 20 + 10 * round, timeout: .seconds(30))
                await server.stop(signal: SIGKILL)
                var acknowledged = 0
                for writer in writers { acknowledged += await writer.value }
                let delivered = stream.events.withLock { $0 }.compactMap { $0.id.flatMap(UInt64.init) }
                #expect(delivered.count > 10, "round \(round): too few events to prove anything")
                #expect(delivered == Array((delivered.first ?? 1)...(delivered.last ?? 0)), "round \(round): gapless while it ran")
                stream.cancel()

                try await server.start()
                let boardBody = try await server.request("GET", "/v1/boards/\(board)").body
                let seq = (try JSONSerialization.jsonObject(with: Data(boardBody.utf8)) as? [String: Any])?["seq"] as? Int ?? -1
                #expect(seq >= acknowledged, "round \(round): \(acknowledged) changes acknowledged, the board's seq is \(seq)")
                let last = delivered.last ?? 0
                let after = try ServerSentEvents(server, "/v1/boards/\(board)/events?since=\(last)")
                try await Self.waitForSubscribers(server, board: board, count: 1)
                _ = try await server.request("POST", "/v1/boards/\(board)/scores", body: #"{"member":"after","score":1}"#)
                let resumed = await after.wait(for: seq > last ? 2 : 1)
                if seq > last {
                    let notice = resumed.first?.object
                    #expect(resumed.first?.type == "lagged" && notice?["from"] as? Int == Int(last) + 1 && notice?["to"] as? Int == seq,
                        "round \(round): resumed after \(last) with the board at \(seq): \(resumed.map(\.json))")
                }
                let next = resumed.last.flatMap { $0.id.flatMap(UInt64.init) }
                #expect(next == UInt64(seq) + 1, "round \(round): the first new event follows every one acknowledged")
                after.cancel()
            }
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    /// A WebSocket client that stops reading (SIGSTOP: its socket buffers fill) holds up
    /// neither the writers nor another subscriber: writes go on at the rate they had
    /// without it, the other stream gets every change, and once the stuck one has stayed
    /// behind for 10 s the server closes it as too slow, frees it and drops its connection.
    @Test func aWebSocketClientThatStopsReadingIsClosedWithoutSlowingWriters() async throws {
        let server = ServerProcess(fsync: "no", extraArguments: ["--event-queue", "64"])
        try await server.start()
        var stuck: ChildProcess?
        do {
            #expect(try await server.request("PUT", "/v1/boards/s", body: #"{"update":"set"}"#).status == 201)
            // A batch of 1,000 changes, 1,000 events; `x` (which the other stream watches) the last.
            var round = 0
            let batch = { () async throws -> Duration in
                round += 1
                let entries = (0..<999).map { #"{"member":"m\#($0)","score":\#(round * 1000 + $0)}"# }.joined(separator: ",")
                let body = #"{"entries":[\#(entries),{"member":"x","score":\#(round)}]}"#
                let started = ContinuousClock.now
                #expect(try await server.request("POST", "/v1/boards/s/scores/batch", body: body).status == 200)
                return ContinuousClock.now - started
            }
            var alone = Duration.zero
            for _ in 0..<10 { alone += try await batch() }

            let watching = try ServerSentEvents(server, "/v1/boards/s/events?members=x")
            let upgrade = FileManager.default.temporaryDirectory.appendingPathComponent("upgrade-\(UUID().uuidString)").path
            try Data(("GET /v1/boards/s/events?access_token=\(ServerProcess.adminKey) HTTP/1.1\r\nHost: localhost\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
                .write(to: URL(fileURLWithPath: upgrade))
            defer { try? FileManager.default.removeItem(atPath: upgrade) }
            stuck = try await ChildProcess.start("/bin/sh", ["-c", "exec openssl s_client -quiet -ign_eof -connect 127.0.0.1:\(server.port) -servername localhost < \(upgrade)"])
            try await Self.waitForSubscribers(server, board: "s", count: 2)
            kill(stuck?.processIdentifier ?? 0, SIGSTOP)
            // Read while it is connected: once the server resets it, the socket leaves
            // /proc/net/tcp. `nil` where /proc does not show it: then only the stats tell.
            let clientPort = Self.localPort(ofProcess: stuck?.processIdentifier ?? 0)

            // Until a whole batch is dropped for it (its socket buffers hold megabytes first).
            var batches = 0
            var dropped = 0
            while batches < 200 {
                _ = try await batch()
                batches += 1
                let nowDropped = try await Self.eventStatistics(server)["dropped"] as? Int ?? 0
                defer { dropped = nowDropped }
                if nowDropped - dropped == 1000 { break }
            }
            #expect(batches < 200, "the stuck client's socket never filled")
            // Stuck for good now: what it costs a writer is the drop.
            var stuckTime = Duration.zero
            for _ in 0..<10 { stuckTime += try await batch() }
            #expect(stuckTime < alone * 2, "10 batches took \(stuckTime) beside a stuck client, \(alone) without")
            let seen = await watching.wait(for: batches + 10)
            #expect(seen.compactMap { $0.object["score"] as? Int } == Array(11..<(21 + batches)), "the other stream got every change of x")

            // Behind for longer than 10 s, the next event closes it.
            try await Task.sleep(for: .seconds(11))
            _ = try await batch()
            let events = try await Self.eventStatistics(server)
            #expect((events["closes"] as? [String: Any])?["too_slow"] as? Int == 1, "\(events)")
            // And the server closes its connection within 5 s, though it never reads the close frame.
            if let clientPort {
                var open = true
                for _ in 0..<100 where open {
                    try await Task.sleep(for: .milliseconds(100))
                    open = Self.isEstablished(from: server.port, to: clientPort)
                }
                #expect(!open, "the server kept the stuck client's connection")
            }
            try await Self.waitForSubscribers(server, board: "s", count: 1)
            watching.cancel()
        } catch {
            if let stuck { kill(stuck.processIdentifier, SIGKILL) }
            try await server.shutdown()
            throw error
        }
        if let stuck { kill(stuck.processIdentifier, SIGKILL) }
        try await server.shutdown()
    }

    /// 1,000 clients come and go (half SSE, half WebSocket, each with a filter): nothing they
    /// held stays behind at the server.
    @Test func aThousandConnectionsComeAndGoAndLeaveNothingBehind() async throws {
        let server = ServerProcess(fsync: "no", extraArguments: ["--event-keepalive", "1"])
        try await server.start()
        do {
            #expect(try await server.request("PUT", "/v1/boards/c", body: "{}").status == 201)
            _ = try await server.request("POST", "/v1/boards/c/scores", body: #"{"member":"ann","score":1}"#)
            let logger = Logger(label: "ws-test")
            // A connection per stream: the shared client's pool would queue most of them.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(server.dataDir + "/tls/ca.pem")
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            for round in 0..<20 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<25 {
                        group.addTask {
                            let stream = try ServerSentEvents(server, "/v1/boards/c/events?since=0&members=ann,m\(round)-\(index)", client: client)
                            _ = await stream.wait(for: 1, timeout: .seconds(10))
                            stream.cancel()
                        }
                        group.addTask {
                            try await WebSocketClient.connect(
                                url: "wss://127.0.0.1:\(server.port)/v1/boards/c/events?top=5&since=0&access_token=\(ServerProcess.adminKey)",
                                configuration: Self.webSocketConfiguration, tlsConfiguration: Self.webSocketTLS(server), logger: logger
                            ) { inbound, outbound, _ in
                                var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                                _ = try await messages.next()
                                try await outbound.close(.normalClosure, reason: nil)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            // AsyncHTTPClient may keep a cancelled stream's connection open, reading: its
            // shutdown closes them all. Closed WebSockets are noticed at once, vanished SSE
            // clients at the next keepalive (1 s here).
            try await client.shutdown()
            try await Self.waitForSubscribers(server, board: "c", count: 0)
            let stats = try JSONSerialization.jsonObject(with: Data(try await server.request("GET", "/v1/admin/stats").body.utf8)) as? [String: Any]
            let closes = (stats?["events"] as? [String: Any])?["closes"] as? [String: Any]
            #expect(closes?["cancelled"] as? Int == 1000)
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }
}
