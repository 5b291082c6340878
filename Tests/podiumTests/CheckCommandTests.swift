import Foundation
import PodiumTestSupport
import Testing

/// `podium check` on data directories a real podiumd wrote and a "disk" then damaged.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct CheckCommandTests {
    /// A stopped server's data directory holding a board and some scores, and its newest
    /// log segment (the one with the records).
    static func writtenDataDirectory() async throws -> (server: ServerProcess, segment: String) {
        let server = ServerProcess(fsync: "always")
        try await server.start()
        _ = try await server.request("PUT", "/v1/boards/b", body: "{}")
        for index in 0..<40 {
            _ = try await server.request("POST", "/v1/boards/b/scores", body: #"{"member":"member-\#(index)","score":\#(index)}"#)
        }
        #expect(await server.stop(signal: SIGTERM) == 0)
        let segments = try FileManager.default.contentsOfDirectory(atPath: server.dataDir).filter { $0.hasSuffix(".aof") }.sorted()
        let segment = server.dataDir + "/" + (try #require(segments.last))
        return (server, segment)
    }

    static func damage(_ path: String, _ change: (inout Data) -> Void) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        change(&bytes)
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    @Test func aCleanDirectoryPasses() async throws {
        let (server, _) = try await Self.writtenDataDirectory()
        let run = try await PodiumRun.run(["check", server.dataDir])
        #expect(run.status == 0 && run.stdout.contains(" ok"), "\(run.stdout)\(run.stderr)")
        try await server.shutdown()
    }

    @Test func aTornTailIsFoundAndCut() async throws {
        let (server, segment) = try await Self.writtenDataDirectory()
        try Self.damage(segment) { $0.removeLast(3) }
        let check = try await PodiumRun.run(["check", server.dataDir])
        #expect(check.status == 1 && check.stdout.contains("interrupted"), "\(check.stdout)\(check.stderr)")
        let repair = try await PodiumRun.run(["check", "--repair", server.dataDir, "--json"])
        #expect(repair.status == 0, "\(repair.stdout)\(repair.stderr)")
        let after = try repair.json()["after_repair"] as? [[String: Any]]
        #expect(after?.allSatisfy { $0["problem"] is NSNull } == true)
        #expect(try await PodiumRun.run(["check", server.dataDir]).status == 0)
        try await server.start()
        // The repaired directory opens: what preceded the cut record is all there.
        let board = try await server.request("GET", "/v1/boards/b")
        #expect(board.status == 200 && board.body.contains(#""name":"b""#), "\(board.body)")
        try await server.shutdown()
    }

    @Test func aFlippedBitMidSegmentIsFoundAndCutThere() async throws {
        let (server, segment) = try await Self.writtenDataDirectory()
        try Self.damage(segment) { bytes in bytes[bytes.count / 2] ^= 0x10 }
        let check = try await PodiumRun.run(["check", server.dataDir, "--json"])
        #expect(check.status == 1)
        let files = try check.json()["files"] as? [[String: Any]]
        let damaged = try #require(files?.first { !($0["problem"] is NSNull) })
        #expect((damaged["valid_bytes"] as? Int ?? .max) < (damaged["total_bytes"] as? Int ?? 0) && damaged["repairable"] as? Bool == true)
        let repair = try await PodiumRun.run(["check", "--repair", server.dataDir])
        #expect(repair.status == 0 && repair.stdout.contains("repaired:"), "\(repair.stdout)\(repair.stderr)")
        #expect(FileManager.default.fileExists(atPath: segment + ".damaged"))
        #expect(try await PodiumRun.run(["check", server.dataDir]).status == 0)
        try await server.shutdown()
    }

    @Test func aDamagedSnapshotIsNamedAndNotRepaired() async throws {
        let server = ServerProcess(fsync: "always")
        try await server.start()
        _ = try await server.request("PUT", "/v1/boards/b", body: "{}")
        for index in 0..<40 { _ = try await server.request("POST", "/v1/boards/b/scores", body: #"{"member":"m\#(index)","score":\#(index)}"#) }
        #expect(try await server.request("POST", "/v1/admin/snapshot").status == 200)
        #expect(await server.stop(signal: SIGTERM) == 0)
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: server.dataDir).filter { $0.hasSuffix(".snap") }
        let snapshot = try #require(snapshots.first)
        try Self.damage(server.dataDir + "/" + snapshot) { bytes in bytes[bytes.count / 2] ^= 0x04 }

        let check = try await PodiumRun.run(["check", server.dataDir, "--json"])
        #expect(check.status == 1)
        let damaged = try #require((try check.json()["files"] as? [[String: Any]])?.first { !($0["problem"] is NSNull) })
        #expect((damaged["file"] as? String)?.hasSuffix(snapshot) == true && damaged["repairable"] as? Bool == false)
        let repair = try await PodiumRun.run(["check", "--repair", server.dataDir])
        #expect(repair.status == 1 && repair.stdout.contains("damage remains"), "\(repair.stdout)\(repair.stderr)")
        try await server.shutdown()
    }

    @Test func aDirectoryThatIsNotOneIsAUsageError() async throws {
        #expect(try await PodiumRun.run(["check", "/no/such/podium-data"]).status == 2)
    }
}
