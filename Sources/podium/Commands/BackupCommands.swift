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
            every record) and only then renamed to FILE.

              podium backup /var/backups/podium/$(date +%F).backup
            """)
    @Argument(help: "Where to save it (replaced once the new one is complete and verified).") var file: String
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let partial = file + ".partial"
        let meter = ProgressMeter(enabled: !output.json && isatty(STDERR_FILENO) == 1)
        var size = 0
        do {
            try await server.withClient { client throws(PodiumError) in
                size = try await client.downloadBackup(to: partial) { received, total in meter.show(received, of: total) }
            }
        } catch {
            meter.finish()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        meter.finish()
        let summary: Backup.Summary
        do {
            summary = try Backup.keep(partial: partial, as: file)
        } catch {
            Output.error("the backup was not saved as \(file) (it did not verify, or could not be renamed into place): \(error)")
            try? FileManager.default.removeItem(atPath: partial)
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
            """)
    @Argument(help: "The backup file (podium backup).") var file: String
    @Option(help: "The data directory to create: missing or empty.") var dataDir: String
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
        let summary: Backup.Summary
        do {
            summary = try Backup.restore(path: file, into: dataDir)
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

private func describe(_ summary: Backup.Summary) -> String {
    "\(summary.boards) boards, \(summary.entries) entries, \(summary.keys) keys, \(summary.sessions) sessions"
}

/// `"boards":B,"entries":E,"keys":K,"sessions":S}`: the end of a JSON object.
private func summaryJSON(_ summary: Backup.Summary) -> [UInt8] {
    Array(#""boards":\#(summary.boards),"entries":\#(summary.entries),"keys":\#(summary.keys),"sessions":\#(summary.sessions)}"#.utf8)
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
