import ArgumentParser
import Foundation
import PodiumClient
import PodiumStorage

/// `podium backup FILE`: a backup of everything the server holds, saved atomically and
/// verified; `podium restore FILE --data-dir DIR`: a new data directory from one, offline.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Save a backup of every board, key and session (admin), taken while writes go on.",
        discussion: """
            The file is exact as of a moment after the command starts: every write acknowledged \
            before it is in it. It is written as FILE.partial, fsynced, verified (every checksum, \
            every record) and only then renamed to FILE. A server with encryption at rest sends \
            it encrypted under its key: without the key only the checksums are verified; with \
            --encryption-key-file every record is, and --decrypt saves it plain.

            While the server takes a snapshot (its background compaction, say) it refuses a \
            backup with 409 snapshot_in_progress: the command then waits and asks again, for up \
            to two minutes, saying so on stderr.

              podium backup /var/backups/podium/$(date +%F).backup
            """)
    @Argument(help: "Where to save it (replaced once the new one is complete and verified).") var file: String
    @Flag(help: "Save an encrypted backup decrypted (needs --encryption-key-file).") var decrypt = false
    @OptionGroup var keys: KeyOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !decrypt || keys.encryptionKeyFile != nil else { throw ValidationError("--decrypt needs --encryption-key-file") }
    }

    func run() async throws {
        let keyring = try keys.keyring()
        let partial = file + ".partial"
        let meter = ProgressMeter(enabled: !output.json && isatty(STDERR_FILENO) == 1)
        var size = 0
        do {
            try await server.withClient { client throws(PodiumError) in
                size = try await SnapshotWait.retrying { () async throws(PodiumError) in
                    try await client.downloadBackup(to: partial) { received, total in meter.show(received, of: total) }
                }
            }
        } catch {
            meter.finish()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        meter.finish()
        let summary: Backup.Summary
        do {
            if decrypt {
                try Backup.decrypt(path: partial, keyring: keyring, to: partial + ".plain")
                try FileManager.default.removeItem(atPath: partial)
                try FileManager.default.moveItem(atPath: partial + ".plain", toPath: partial)
            }
            summary = try Backup.keep(partial: partial, as: file, keyring: keyring)
        } catch {
            Output.error("the backup was not saved as \(file) (it did not verify, or could not be renamed into place): \(error)")
            try? FileManager.default.removeItem(atPath: partial)
            try? FileManager.default.removeItem(atPath: partial + ".plain")
            throw ExitCode.refused
        }
        guard !output.json else {
            return Output.json(Array(#"{"file":\#(jsonString(file)),"bytes":\#(size),"#.utf8) + summaryJSON(summary))
        }
        Output.line("backup saved: \(file) (\(size) bytes: \(describe(summary)))")
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Make a new data directory from a backup (offline), for podiumd --data-dir to start on.",
        discussion: """
            Refuses a backup that does not verify and a directory that is not empty. Boards, \
            API keys and sessions come from the backup; the bootstrap admin key and TLS files \
            are not in it: podiumd makes new ones when it first starts on the directory, unless \
            PODIUM_ADMIN_KEY and --tls-cert/--tls-key give yours.

              podium restore /var/backups/podium/2026-12-01.backup --data-dir ./podium-data

            An encrypted backup needs its key (--encryption-key-file), and stays encrypted in the \
            new directory: start podiumd there with that key.
            """)
    @Argument(help: "The backup file (podium backup).") var file: String
    @Option(help: "The data directory to create: missing or empty.") var dataDir: String
    @OptionGroup var keys: KeyOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: dataDir), !contents.isEmpty {
            Output.error("\(dataDir) is not empty: restore writes a new data directory")
            throw ExitCode.usage
        }
        guard FileManager.default.fileExists(atPath: file) else {
            Output.error("no backup file at \(file)")
            throw ExitCode.usage
        }
        let keyring = try keys.keyring()
        let summary: Backup.Summary
        do {
            summary = try Backup.restore(path: file, into: dataDir, keyring: keyring)
        } catch {
            Output.error("\(file) was not restored: \(error)")
            throw ExitCode.refused
        }
        guard !output.json else {
            return Output.json(Array(#"{"data_dir":\#(jsonString(dataDir)),"#.utf8) + summaryJSON(summary))
        }
        Output.line("restored \(describe(summary)) into \(dataDir); start it with: podiumd --data-dir \(dataDir)")
    }
}

/// How `podium backup` waits out a snapshot on the server: a backup is refused while one
/// runs, and a nightly cron job can meet the server's background compaction.
enum SnapshotWait {
    // Pauses of 1, 2, 4, 8 then 15 s until two minutes are waited: a snapshot of a large
    // server takes seconds, so later tries need not come fast.
    static let firstPause = Duration.seconds(1)
    static let longestPause = Duration.seconds(15)
    static let limit = Duration.seconds(120)

    /// Whether `error` is the server's refusal while a snapshot runs, worth asking again.
    static func isBusy(_ error: PodiumError) -> Bool {
        if case .server(409, "snapshot_in_progress", _) = error { return true }
        return false
    }

    /// `body`'s result, with `body` run again after a pause while the server answers that
    /// a snapshot runs, for up to ``limit``; then its last refusal. One line on stderr
    /// says that it waits.
    static func retrying<Value>(_ body: () async throws(PodiumError) -> Value) async throws(PodiumError) -> Value {
        var pause = firstPause, waited = Duration.zero
        while true {
            do {
                return try await body()
            } catch where isBusy(error) && waited < limit && !Task.isCancelled {
                if waited == .zero { Output.notice("the server is taking a snapshot; waiting up to \(limit.components.seconds) s for it to end") }
                try? await Task.sleep(for: pause)
                waited += pause
                pause = min(pause * 2, longestPause)
            }
        }
    }
}

private func describe(_ summary: Backup.Summary) -> String {
    if let keyID = summary.unreadWithoutKey {
        return "encrypted under key \(keyID): checksums verified, records not read without the key"
    }
    return "\(summary.boards) boards, \(summary.entries) entries, \(summary.keys) keys, \(summary.sessions) sessions"
}

/// `"boards":B,"entries":E,"keys":K,"sessions":S,"encrypted_under":ID}`: the end of a JSON object.
private func summaryJSON(_ summary: Backup.Summary) -> [UInt8] {
    let key = summary.unreadWithoutKey.map { jsonString($0.description) } ?? "null"
    return Array(
        #""boards":\#(summary.boards),"entries":\#(summary.entries),"keys":\#(summary.keys),"sessions":\#(summary.sessions),"unread_without_key":\#(key)}"#
            .utf8)
}

private func jsonString(_ text: String) -> String {
    (try? String(decoding: JSONEncoder().encode(text), as: UTF8.self)) ?? "\"\""
}

/// A one-line progress bar on stderr (a terminal only): bytes received of the total.
final class ProgressMeter: Sendable {
    let enabled: Bool

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func show(_ received: Int, of total: Int?) {
        guard enabled else { return }
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        var line = "\r" + mib(received)
        if let total, total > 0 {
            let width = 30, done = min(width, received * width / total)
            line = "\r[" + String(repeating: "#", count: done) + String(repeating: " ", count: width - done) + "] "
                + mib(received) + " of " + mib(total)
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
