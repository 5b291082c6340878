import Foundation
import PodiumTestSupport
import Synchronization
import Testing

/// Resets survive kill -9: one writer sets scores and resets the board in turn under
/// `--fsync always`; podiumd is SIGKILLed at random moments, and after each restart the
/// seasons and the live board are exactly what the acknowledged operations made, plus at
/// most the one in flight: a season is never lost, half made, or made twice.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct SeasonLiveTests {
    enum Operation: Equatable, Sendable {
        case set(member: String, score: Int)
        case reset
    }

    /// Seasons oldest first, then the live board, each as member -> score.
    struct Standing: Equatable {
        var seasons: [[String: Int]] = []
        var live: [String: Int] = [:]

        func applying(_ operation: Operation) -> Standing {
            var next = self
            switch operation {
            case let .set(member, score): next.live[member] = score
            case .reset:
                next.seasons.append(live)
                next.live = [:]
            }
            return next
        }
    }

    static func entries(_ server: ServerProcess, _ board: String) async throws -> [String: Int] {
        let top = try await server.request("GET", "/v1/boards/\(board)/top?limit=1000")
        try #require(top.status == 200, "\(board): \(top.body)")
        let object = try JSONSerialization.jsonObject(with: Data(top.body.utf8)) as? [String: Any]
        let entries = object?["entries"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: entries.map { ($0["member"] as? String ?? "", Int($0["score"] as? Double ?? -1)) })
    }

    static func standing(_ server: ServerProcess) async throws -> Standing {
        let listed = try await server.request("GET", "/v1/boards/s/seasons")
        let object = try JSONSerialization.jsonObject(with: Data(listed.body.utf8)) as? [String: Any]
        let ids = ((object?["seasons"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }.reversed()
        var standing = Standing(live: try await entries(server, "s"))
        for id in ids { standing.seasons.append(try await entries(server, "s%40\(id)")) }
        return standing
    }

    @Test func resetsAndWritesAcknowledgedBeforeSIGKILLAreExactlyWhatComesBack() async throws {
        let server = ServerProcess(fsync: "always")
        try await server.start()
        do {
            let config = #"{"update": "set", "reset": {"every": "monthly", "keep": 1000}}"#
            #expect(try await server.request("PUT", "/v1/boards/s", body: config).status == 201)
            var expected = Standing()
            var random = SystemRandomNumberGenerator()
            var score = 0
            for round in 0..<4 {
                // One writer, in order: what it was told is done, and what it was doing.
                let acknowledged = Mutex<[Operation]>([]), inFlight = Mutex<Operation?>(nil)
                let start = score
                let writer = Task {
                    var next = start
                    while !Task.isCancelled {
                        next += 1
                        let operation: Operation = next % 12 == 0 ? .reset : .set(member: "José \(next % 7) ⚽", score: next)
                        inFlight.withLock { $0 = operation }
                        let reply: (status: Int, body: String)?
                        switch operation {
                        case let .set(member, value):
                            let body = #"{"member": "\#(member)", "score": \#(value)}"#
                            reply = try? await server.request("POST", "/v1/boards/s/scores", body: body)
                        case .reset:
                            reply = try? await server.request("POST", "/v1/boards/s/reset")
                        }
                        // A failure (the kill, or a timeout just before it): this is the one
                        // operation that may or may not have happened.
                        guard reply?.status == 200 else { return next }
                        acknowledged.withLock { $0.append(operation) }
                        inFlight.withLock { $0 = nil }
                    }
                    return next
                }
                // At least one reset each round (a loaded machine writes slowly), then a kill
                // at a random moment.
                let deadline = ContinuousClock.now + .seconds(60)
                while acknowledged.withLock({ $0.count }) < 13, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...400, using: &random)))
                await server.stop(signal: SIGKILL)
                score = await writer.value
                try await server.start()

                let done = acknowledged.withLock { $0 }
                #expect(done.contains(.reset), "round \(round): no reset was acknowledged")
                expected = done.reduce(expected) { $0.applying($1) }
                let actual = try await Self.standing(server)
                let possible = [expected] + (inFlight.withLock { $0 }.map { [expected.applying($0)] } ?? [])
                #expect(possible.contains(actual), "round \(round): \(done.count) acknowledged, in flight \(String(describing: inFlight.withLock { $0 }))")
                expected = actual
            }
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }
}
