import Foundation
import PodiumTestSupport
import Testing

/// Encryption at rest through a real podiumd: a key rotation with SIGKILLs while snapshots
/// (the compactions that rewrite everything under the new key) run leaves a data
/// directory that NEW + OLD read whole, then NEW alone once a snapshot finished; started
/// without its key, podiumd refuses and names it.
@Suite(.timeLimit(.minutes(5)))
struct EncryptionLiveTests {
    static func keyFile(_ byte: UInt8) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("podium-key-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: byte, count: 32), attributes: [.posixPermissions: 0o600]))
        return path
    }

    static func stats(_ server: ServerProcess) async throws -> [String: Any] {
        let response = try await server.request("GET", "/v1/admin/stats")
        let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return try #require(object?["encryption"] as? [String: Any])
    }

    /// Every acknowledged score is there (one lookup per 500 members).
    static func expectAll(_ acknowledged: [String: Int], on server: ServerProcess, _ when: String) async throws {
        let members = Array(acknowledged.keys)
        for start in stride(from: 0, to: members.count, by: 500) {
            let chunk = Array(members[start..<min(start + 500, members.count)])
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["members": chunk]), as: UTF8.self)
            let response = try await server.request("POST", "/v1/boards/vault/members:lookup", body: body)
            let entries = (try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])?["entries"] as? [[String: Any]]
            let scores = Dictionary((entries ?? []).compactMap { entry -> (String, Double)? in
                guard let member = entry["member"] as? String, let score = entry["score"] as? Double else { return nil }
                return (member, score)
            }) { $1 }
            for member in chunk where scores[member] != Double(acknowledged[member] ?? -1) {
                Issue.record("\(when): \(member) acknowledged but lost")
                return
            }
        }
    }

    @Test func aKeyRotationSurvivesSIGKILLDuringCompactionAndTheOldKeyGoesAfterASnapshot() async throws {
        let old = try Self.keyFile(1), new = try Self.keyFile(2)
        defer { for path in [old, new] { try? FileManager.default.removeItem(atPath: path) } }
        let server = ServerProcess(fsync: "always", extraArguments: ["--encryption-key-file", old])
        var acknowledged: [String: Int] = [:]
        do {
            try await server.start()
            let oldID = try #require(try await Self.stats(server)["key_id"] as? String)
            #expect(try await server.request("PUT", "/v1/boards/vault", body: #"{"update":"set"}"#).status == 201)
            for index in 0..<100 {
                let member = "José 🎮 \(index)"
                let body = String(decoding: try JSONSerialization.data(withJSONObject: ["member": member, "score": index]), as: UTF8.self)
                if try await server.request("POST", "/v1/boards/vault/scores", body: body).status == 200 { acknowledged[member] = index }
            }
            await server.stop(signal: SIGTERM)

            server.extraArguments = ["--encryption-key-file", new, "--previous-key-file", old]
            for round in 0..<4 {
                try await server.start()
                try await Self.expectAll(acknowledged, on: server, "round \(round), after the restart")
                if round == 0 {
                    let encryption = try await Self.stats(server)
                    #expect(encryption["key_id"] as? String != oldID && (encryption["files_under_other_keys"] as? Int ?? 0) > 0)
                }
                // The kill comes after 300-750 ms and once 30 writes are acknowledged this round.
                let acksThisRound = AcknowledgementCount()
                let killer = Task {
                    try await acksThisRound.wait(until: .now + .milliseconds(300 + 150 * round), forAtLeast: 30)
                    await server.stop(signal: SIGKILL)
                }
                // Snapshots back to back beside the writers: the kill lands in one, most rounds.
                let snapshots = Task {
                    while (try? await server.request("POST", "/v1/admin/snapshot")) != nil {}
                }
                let acks = await server.submitUntilRefused(board: "vault", prefix: "r\(round)", writers: 8, counting: acksThisRound)
                await snapshots.value
                _ = try await killer.value
                acknowledged.merge(acks) { $1 }
            }
            // With both keys, everything; a snapshot rewrites it all under the new key...
            try await server.start()
            try await Self.expectAll(acknowledged, on: server, "with both keys")
            #expect(try await server.request("POST", "/v1/admin/snapshot").status == 200)
            #expect(try await Self.stats(server)["files_under_other_keys"] as? Int == 0)
            await server.stop(signal: SIGTERM)
            // ...after which the old key is not needed.
            server.extraArguments = ["--encryption-key-file", new]
            try await server.start()
            try await Self.expectAll(acknowledged, on: server, "with the new key alone")
            #expect(acknowledged.count > 200, "too few writes were acknowledged to prove anything")
            await server.stop(signal: SIGTERM)
            try await Self.expectRefusedWithout(new, dataDir: server.dataDir)
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    /// Without its key podiumd exits non-zero at once, naming the key id it needs.
    static func expectRefusedWithout(_ keyFile: String, dataDir: String) async throws {
        let run = try await ChildProcess.run(
            ServerProcess.executable.path, ["--data-dir", dataDir, "--listen", "127.0.0.1:\(ServerProcess.freePort())"],
            environment: ProcessInfo.processInfo.environment.merging(["PODIUM_ADMIN_KEY": ServerProcess.adminKey]) { $1 },
            mergingError: true
        )
        #expect(run.ending.status != 0)
        #expect(run.output.contains("encrypted under key") && run.output.contains("--encryption-key-file"), "\(run.output)")
    }
}
