import Foundation
import Logging
import PodiumService

/// The bootstrap admin key: `PODIUM_ADMIN_KEY`, or the key in `DATA_DIR/admin.key`,
/// created on first start (mode 0600) and printed once. Only its SHA-256 stays in memory.
enum AdminKeyFile {
    static func load(dataDir: String, logger: Logger) throws -> [UInt8] {
        if let key = ProcessInfo.processInfo.environment["PODIUM_ADMIN_KEY"], !key.isEmpty {
            return Token.hash(key)
        }
        let path = dataDir + "/admin.key"
        if let stored = FileManager.default.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) }) {
            return Token.hash(stored.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let key = Token.generate(prefix: Token.keyPrefix)
        guard FileManager.default.createFile(atPath: path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        // Printed once, to the terminal of whoever started the server the first time.
        FileHandle.standardOutput.write(Data("podiumd: created the admin key in \(path) (mode 0600): \(key)\n".utf8))
        logger.info("created the admin key in \(path)")
        return Token.hash(key)
    }
}
