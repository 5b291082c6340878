import Foundation
import PodiumTestSupport
import Synchronization
import Testing

/// `podium backup` against a live podiumd taking writes, and `podium restore` into a data
/// directory a second podiumd then serves.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct BackupCommandTests {
    @Test func aBackupTakenUnderWritesRestoresEveryAcknowledgedWrite() async throws {
        // everysec: a write is acknowledged once in the kernel, so the writer keeps going on a
        // machine whose disk the other suites keep busy with fsyncs.
        let source = ServerProcess(fsync: "everysec")
        try await source.start()
        let restored = ServerProcess(fsync: "always")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podium-backup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        _ = try await source.request("PUT", "/v1/boards/week-1", body: #"{"update":"set"}"#)
        // One writer: write k sets "José k%50" to k, so the latest k for each member is known.
        let acknowledged = Atomic<Int>(0)
        let writer = Task {
            var k = 1
            while !Task.isCancelled {
                let member = "José \(k % 50) ⚽"
                let body = #"{"member":\#(String(decoding: try JSONEncoder().encode(member), as: UTF8.self)),"score":\#(k)}"#
                // A write that timed out on a loaded machine is sent again until acknowledged:
                // setting the same score twice is the same write.
                guard (try? await source.request("POST", "/v1/boards/week-1/scores", body: body))?.status == 200 else {
                    try? await Task.sleep(for: .milliseconds(50))
                    continue
                }
                acknowledged.store(k, ordering: .releasing)
                k += 1
            }
        }
        defer { writer.cancel() }
        let deadline = ContinuousClock.now + .seconds(120)
        while acknowledged.load(ordering: .acquiring) < 60, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try #require(acknowledged.load(ordering: .acquiring) >= 60, "the writer stopped")
        let before = acknowledged.load(ordering: .acquiring)
        let file = directory + "/nightly.backup"
        let backup = try await PodiumRun.run(["backup", file, "--json"], server: source)
        writer.cancel()
        _ = try? await writer.value
        #expect(backup.status == 0, "\(backup.stderr)")
        let saved = try backup.json()
        #expect(saved["boards"] as? Int == 1 && saved["entries"] as? Int == 50 && saved["file"] as? String == file)
        #expect(!FileManager.default.fileExists(atPath: file + ".partial"))
        try await source.shutdown()

        let restore = try await PodiumRun.run(["restore", file, "--data-dir", restored.dataDir])
        #expect(restore.status == 0 && restore.stdout.contains("1 boards, 50 entries"), "\(restore.stdout)\(restore.stderr)")
        try await restored.start()
        // Every member holds its last write acknowledged before the backup, or a later one.
        for slot in 0..<50 {
            let last = stride(from: before, to: 0, by: -1).first { $0 % 50 == slot } ?? 0
            let member = "Jos%C3%A9%20\(slot)%20%E2%9A%BD"
            let entry = try await restored.request("GET", "/v1/boards/week-1/members/\(member)")
            #expect(entry.status == 200, "\(entry.body)")
            let score = (try JSONSerialization.jsonObject(with: Data(entry.body.utf8)) as? [String: Any])?["score"] as? Double ?? -1
            #expect(score >= Double(last), "member \(slot): \(score) < \(last)")
        }
        try await restored.shutdown()
    }

    @Test func restoreRefusesADamagedBackupAndABusyDirectory() async throws {
        let source = ServerProcess(fsync: "always")
        try await source.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podium-backup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await source.request("PUT", "/v1/boards/b", body: "{}")
        #expect(try await source.request("POST", "/v1/keys", body: #"{"name":"game-1","role":"server"}"#).status == 201)
        for index in 0..<40 { _ = try await source.request("POST", "/v1/boards/b/scores", body: #"{"member":"m\#(index)","score":\#(index)}"#) }
        let file = directory + "/b.backup"
        let saved = try await PodiumRun.run(["backup", file], server: source)
        #expect(saved.status == 0 && saved.stdout.hasPrefix("backup saved: \(file) (") && saved.stdout.contains("40 entries"), "\(saved.stderr)")
        try await source.shutdown()

        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: directory + "/flipped.backup"))
        try Data(try Data(contentsOf: URL(fileURLWithPath: file)).dropLast(5)).write(to: URL(fileURLWithPath: directory + "/cut.backup"))
        for damaged in ["flipped", "cut"] {
            let run = try await PodiumRun.run(["restore", "\(directory)/\(damaged).backup", "--data-dir", "\(directory)/\(damaged)"])
            #expect(run.status == 1 && run.stderr.hasPrefix("error: \(directory)/\(damaged).backup was not restored: "), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/\(damaged)/MANIFEST"))
        }
        let busy = try await PodiumRun.run(["restore", file, "--data-dir", directory])
        #expect(busy.status == 2 && busy.stderr.contains("is not empty"))
        let missing = try await PodiumRun.run(["restore", directory + "/nope.backup", "--data-dir", directory + "/new"])
        #expect(missing.status == 2)
        let json = try await PodiumRun.run(["restore", file, "--data-dir", directory + "/new", "--json"]).json()
        // The bootstrap admin key (PODIUM_ADMIN_KEY) is not stored: game-1 is the one key.
        #expect(json["entries"] as? Int == 40 && json["keys"] as? Int == 1)
    }

    /// A backup refused while the server takes a snapshot (a cron job meeting the
    /// background compaction) is asked for again, with one line on stderr; any other
    /// refusal ends it.
    @Test func aBackupWaitsOutASnapshotInProgress() async throws {
        let server = try ScriptedServer(problems: [(409, "snapshot_in_progress"), (409, "snapshot_in_progress"), (401, "unauthorized")])
        defer { server.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("podium-\(UUID().uuidString).backup").path
        let run = try await PodiumRun.run(["backup", file, "--url", "http://127.0.0.1:\(server.port)", "--key", "pdk_test"])
        #expect(run.status == 1 && server.requests == 3)
        #expect(
            run.stderr == "the server is taking a snapshot; waiting up to 120 s for it to end\nerror: unauthorized: scripted\n", "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: file) && !FileManager.default.fileExists(atPath: file + ".partial"))
    }

    /// A server encrypting at rest sends its backup encrypted: saved and checksummed without
    /// the key, read whole with it, decrypted on demand; restore, check and the restored
    /// server need the key.
    @Test func anEncryptedServersBackupNeedsItsKeyToBeRead() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podium-backup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = directory + "/podium.key"
        #expect(FileManager.default.createFile(atPath: key, contents: Data((0..<32).map { UInt8($0) }), attributes: [.posixPermissions: 0o600]))
        let source = ServerProcess(fsync: "always", extraArguments: ["--encryption-key-file", key])
        try await source.start()
        _ = try await source.request("PUT", "/v1/boards/b", body: "{}")
        for index in 0..<30 { _ = try await source.request("POST", "/v1/boards/b/scores", body: #"{"member":"Zoë \#(index)","score":\#(index)}"#) }
        let stats = try await PodiumRun.run(["stats"], server: source)
        #expect(stats.stdout.contains("encryption_key_id") && !stats.stdout.contains("none (not encrypted)"), "\(stats.stdout)")

        let sealed = try await PodiumRun.run(["backup", directory + "/sealed.backup"], server: source)
        #expect(sealed.status == 0 && sealed.stdout.contains("checksums verified, records not read without the key"), "\(sealed.stdout)\(sealed.stderr)")
        #expect(!String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory + "/sealed.backup")), as: UTF8.self).contains("Zoë"))
        let read = try await PodiumRun.run(["backup", directory + "/read.backup", "--encryption-key-file", key], server: source)
        #expect(read.status == 0 && read.stdout.contains("1 boards, 30 entries"), "\(read.stdout)\(read.stderr)")
        let plain = try await PodiumRun.run(["backup", directory + "/plain.backup", "--decrypt", "--encryption-key-file", key], server: source)
        #expect(plain.status == 0 && plain.stdout.contains("30 entries"), "\(plain.stdout)\(plain.stderr)")
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory + "/plain.backup")), as: UTF8.self).contains("Zoë"))
        await source.stop(signal: SIGTERM)
        let withoutKey = try await PodiumRun.run(["check", source.dataDir])
        #expect(withoutKey.status == 1 && withoutKey.stdout.contains("encrypted under key"), "\(withoutKey.stdout)\(withoutKey.stderr)")
        let checked = try await PodiumRun.run(["check", source.dataDir, "--encryption-key-file", key])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        try await source.shutdown()

        let refused = try await PodiumRun.run(["restore", directory + "/sealed.backup", "--data-dir", directory + "/no-key"])
        #expect(refused.status == 1 && refused.stderr.contains("--encryption-key-file"), "\(refused.stderr)")
        let restored = ServerProcess(fsync: "always", extraArguments: ["--encryption-key-file", key])
        let restore = try await PodiumRun.run(["restore", directory + "/sealed.backup", "--data-dir", restored.dataDir, "--encryption-key-file", key])
        #expect(restore.status == 0 && restore.stdout.contains("30 entries"), "\(restore.stdout)\(restore.stderr)")
        try await restored.start()
        #expect(try await restored.request("GET", "/v1/boards/b/members/Zo%C3%AB%2029").body.contains("29"))
        try await restored.shutdown()
    }
}
