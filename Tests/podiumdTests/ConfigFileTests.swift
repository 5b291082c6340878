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
}
