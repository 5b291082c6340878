import Foundation
import Testing

@testable import podiumd

@Suite(.timeLimit(.minutes(5)))
struct ConfigFileTests {
    @Test func settingsGoFirstSoFlagsOverrideThem() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("podiumd-\(UUID().uuidString).conf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "# comment\ndata-dir = /var/lib/podium  # trailing\n\nfsync = always\ninsecure-http = true\nmax-body=2048\nother = false\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ConfigFile.expand(["--listen", "0.0.0.0:1", "--config", path, "--fsync", "no"]) == [
            "--data-dir", "/var/lib/podium", "--fsync", "always", "--insecure-http", "--max-body", "2048",
            "--listen", "0.0.0.0:1", "--fsync", "no",
        ])
        #expect(try ConfigFile.expand(["--fsync", "no"]) == ["--fsync", "no"])
        try "no equals sign\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try ConfigFile.expand(["--config", path]) }
        #expect(throws: (any Error).self) { try ConfigFile.expand(["--config"]) }
        #expect(throws: (any Error).self) { try ConfigFile.expand(["--config", path + ".missing"]) }
    }

    /// The `config` fuzz target's crash seeds (Tests/FuzzCorpus/config, ops/fuzz/README.md),
    /// replayed here as well as in the fuzz run: each is what podiumd read wrong before.
    @Test func theFuzzersFindsAreReadRight() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzCorpus/config").path
        // A file saved with CRLF line ends was one line (and one setting) before.
        #expect(try ConfigFile.expand(["--config", corpus + "/crash-crlf-one-line"]) == ["--listen", "0.0.0.0:8443", "--fsync", "everysec"])
        // A name that begins with a combining mark (U+0340 = NUL) is a flag all the same:
        // the mark joins the second "-" into one Character, which a check by Characters missed.
        let combining = try ConfigFile.expand(["--config", corpus + "/crash-combining-mark-name"])
        #expect(combining.map { Array($0.unicodeScalars) } == [Array("--\u{0340}".unicodeScalars), ["\u{0}"]])
    }
}
