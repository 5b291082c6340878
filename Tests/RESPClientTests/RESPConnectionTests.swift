import Foundation
import NIOCore
import PodiumHTTP
import PodiumTestSupport
import Testing

@testable import RESPClient

/// The client against a real redis-server: RESP3 hello, bytes in and out, pipelining,
/// error replies, ACL users and passwords, databases, a server that dies, a timeout.
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: RedisServerProcess.isAvailable, "needs redis-server"))
struct RESPConnectionTests {
    static func withServer(
        _ arguments: [String] = [], tls: (chain: String, key: String)? = nil, _ body: (RedisServerProcess) async throws -> Void
    ) async throws {
        let server = RedisServerProcess(extraArguments: arguments, tls: tls)
        try await server.start()
        do {
            try await body(server)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func commandsRepliesAndPipelinesOverRESP3() async throws {
        try await Self.withServer { server in
            let connection = try await RESPConnection.connect(RESPConfiguration(host: "127.0.0.1", port: server.port))
            #expect(connection.protocolVersion == 3)
            #expect(try await connection.send(["SET", "José ⚽", "a b/c"]) == .simpleString("OK"))
            #expect(try await connection.send(["GET", "José ⚽"]) == .bulkString(Array("a b/c".utf8)))
            #expect(try await connection.send(["GET", "nothing"]) == .null)
            // Bytes that are not UTF-8 go through as they are.
            let raw: [UInt8] = [0xFF, 0x00, 0x0D, 0x0A]
            _ = try await connection.send(RESPCommand([Array("SET".utf8), Array("raw".utf8), raw]))
            #expect(try await connection.send(["GET", "raw"]) == .bulkString(raw))
            // RESP3 scores are doubles.
            _ = try await connection.send(["ZADD", "board", "1.5", "ann", "-2", "bob"])
            let range = try await connection.send(["ZRANGE", "board", "0", "-1", "WITHSCORES"])
            #expect(range == .array([.array([.bulkString(Array("bob".utf8)), .double(-2)]), .array([.bulkString(Array("ann".utf8)), .double(1.5)])]))

            // A thousand commands in one write: replies in order; an error reply fails its own.
            var commands = (0..<1000).map { _ in RESPCommand("INCR", "counter") }
            commands.insert(RESPCommand("LPUSH", "board", "x"), at: 500)
            let replies = try await connection.pipeline(commands)
            #expect(replies.count == 1001)
            #expect(replies[..<500].map(\.integer) == (1...500).map { Int64($0) })
            #expect(replies[500].string == nil && { if case .error = replies[500] { true } else { false } }())
            #expect(replies.last?.integer == 1000)
            await #expect(throws: RESPError.self) { try await connection.send(["LPUSH", "board", "x"]) }
            #expect(connection.isOpen, "an error reply leaves the connection usable")

            // Many tasks at once on one connection.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let key = "k\(index)"
                        _ = try await connection.send(RESPCommand("SET", key, String(index)))
                        #expect(try await connection.send(RESPCommand("GET", key)).string == String(index))
                    }
                }
                try await group.waitForAll()
            }
            await connection.close()
        }
    }

    @Test func usersPasswordsAndDatabases() async throws {
        let arguments = ["--requirepass", "p@ss word", "--user", "game", "on", ">s3cret/%", "~*", "+@all"]
        try await Self.withServer(arguments) { server in
            let wrong = RESPConfiguration(host: "127.0.0.1", port: server.port, password: "nope")
            await #expect(throws: RESPError.self) { try await RESPConnection.connect(wrong) }
            do {
                _ = try await RESPConnection.connect(wrong)
            } catch {
                #expect((error as? RESPError)?.serverCode == "WRONGPASS", "\(error)")
            }
            // Without a password, the hello itself is refused.
            do {
                _ = try await RESPConnection.connect(RESPConfiguration(host: "127.0.0.1", port: server.port))
                Issue.record("connected without the password")
            } catch {
                #expect((error as? RESPError)?.serverCode == "NOAUTH", "\(error)")
            }

            // The default user's password, and an ACL user's, percent-encoded in a URL.
            let byDefault = try await RESPConnection.connect(RESPConfiguration(url: "redis://:p%40ss%20word@127.0.0.1:\(server.port)/3"))
            _ = try await byDefault.send(["SET", "where", "db3"])
            let user = try await RESPConnection.connect(RESPConfiguration(url: "redis://game:s3cret%2F%25@127.0.0.1:\(server.port)"))
            #expect(try await user.send(["ACL", "WHOAMI"]).string == "game")
            #expect(try await user.send(["GET", "where"]) == .null, "database 0")
            _ = try await user.send(["SELECT", "3"])
            #expect(try await user.send(["GET", "where"]).string == "db3")
            for connection in [byDefault, user] { await connection.close() }
        }
        #expect(throws: RESPError.self) { try RESPConfiguration(url: "http://127.0.0.1:6379") }
        #expect(throws: RESPError.self) { try RESPConfiguration(url: "redis://127.0.0.1:6379/x") }
        #expect(try RESPConfiguration(url: "rediss://cache.example:6380").tls != nil)
    }

    @Test func rediss() async throws {
        // A CA and a certificate for 127.0.0.1, as podiumd makes its own.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try TLSFiles.createIfMissing(in: directory, hosts: ["127.0.0.1", "localhost"])
        let files = TLSFiles.paths(in: directory)
        try await Self.withServer(["--requirepass", "pw"], tls: (files.chain, files.key)) { server in
            let connection = try await RESPConnection.connect(
                RESPConfiguration(url: "rediss://:pw@127.0.0.1:\(server.port)", caFile: files.authority))
            #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
            await connection.close()
            // Without the CA, the server's certificate is not trusted.
            await #expect(throws: RESPError.self) { try await RESPConnection.connect(RESPConfiguration(url: "rediss://:pw@127.0.0.1:\(server.port)")) }
            // Plain TCP to a TLS port gets no hello.
            var plain = RESPConfiguration(host: "127.0.0.1", port: server.port, password: "pw")
            plain.commandTimeout = .seconds(2)
            await #expect(throws: RESPError.self) { try await RESPConnection.connect(plain) }
        }
    }

    @Test func aServerThatDiesOrHangsFailsWhatWaitsAndClosesTheConnection() async throws {
        try await Self.withServer { server in
            var configuration = RESPConfiguration(host: "127.0.0.1", port: server.port)
            configuration.commandTimeout = .milliseconds(300)
            // No reply within the timeout: it fails, and the connection closes.
            let slow = try await RESPConnection.connect(configuration)
            let started = ContinuousClock.now
            await #expect(throws: RESPError.timedOut) { try await slow.send(["BLPOP", "empty", "5"]) }
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(!slow.isOpen)
            await #expect(throws: RESPError.self) { try await slow.send(["PING"]) }

            configuration.commandTimeout = .seconds(30)
            let blocked = try await RESPConnection.connect(configuration)
            let waiting = Task { try await blocked.send(["BLPOP", "empty", "20"]) }
            try await Task.sleep(for: .milliseconds(200))
            await server.stop()
            await #expect(throws: RESPError.self) { try await waiting.value }
            #expect(!blocked.isOpen)
            await #expect(throws: RESPError.self) { try await RESPConnection.connect(configuration) }
        }
    }
}
