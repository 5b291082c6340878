import ArgumentParser
import Foundation
import PodiumStorage

/// `podium check DATA_DIR [--repair]`: offline verification (and repair) of a data
/// directory's manifest, snapshot and log segments, with podiumd stopped.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify a stopped server's data directory; --repair cuts a damaged log at its last valid record.",
        discussion: """
            Exits 1 when it finds damage (after --repair: damage that remains). The bytes a repair \
            cuts are kept in FILE.damaged.

              podium check ./podium-data
              podium check --repair ./podium-data
              podium check --encryption-key-file /etc/podium/podium.key ./podium-data
            """)
    @Argument(help: "The data directory (podiumd's --data-dir).") var dataDir: String
    @Flag(help: "Cut a damaged log segment at its last valid record (a damaged snapshot is only reported).") var repair = false
    @OptionGroup var keys: KeyOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard FileManager.default.fileExists(atPath: dataDir + "/MANIFEST") else {
            Output.error("\(dataDir) is not a Podium data directory (no MANIFEST)")
            throw ExitCode.usage
        }
        let keyring = try keys.keyring()
        let found: [StorageCheck.FileReport]
        var after: [StorageCheck.FileReport]?
        do {
            found = repair ? try StorageCheck.repair(path: dataDir, keyring: keyring) : try StorageCheck.check(path: dataDir, keyring: keyring)
            if repair, found.contains(where: { $0.problem != nil }) { after = try StorageCheck.check(path: dataDir, keyring: keyring) }
        } catch let error as StorageError {
            Output.error(error.description)
            if case .locked = error { throw ExitCode.usage }
            throw ExitCode.refused
        }
        if output.json {
            Output.json(try Self.json(found, after: after))
        } else {
            Self.table(found).print()
            if let after {
                Output.line(after.contains { $0.problem != nil } ? "after repair, damage remains:" : "repaired:")
                Self.table(after).print()
            }
        }
        let remaining = after ?? found
        if remaining.contains(where: { $0.problem != nil }) { throw ExitCode.refused }
    }

    private static func table(_ reports: [StorageCheck.FileReport]) -> TableOutput {
        var table = TableOutput([.text("FILE"), .number("FRAMES"), .number("VALID"), .number("BYTES"), .text("STATUS")])
        for report in reports {
            let name = report.file.split(separator: "/").last.map(String.init) ?? report.file
            let status = report.problem.map { "\($0)\(report.isRepairable ? " (repairable)" : "")" } ?? "ok"
            table.append([name, String(report.frames), String(report.validBytes), String(report.totalBytes), status])
        }
        return table
    }

    /// `{"files": [...], "after_repair": [...]}`, each file `{file, frames, valid_bytes,
    /// total_bytes, problem, repairable}`; `after_repair` only when a repair ran.
    private static func json(_ found: [StorageCheck.FileReport], after: [StorageCheck.FileReport]?) throws -> [UInt8] {
        func objects(_ reports: [StorageCheck.FileReport]) -> [[String: Any]] {
            reports.map { report in
                [
                    "file": report.file, "frames": report.frames, "valid_bytes": report.validBytes, "total_bytes": report.totalBytes,
                    "problem": report.problem ?? NSNull(), "repairable": report.isRepairable,
                ]
            }
        }
        var document: [String: Any] = ["files": objects(found)]
        if let after { document["after_repair"] = objects(after) }
        return Array(try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]))
    }
}
