import Foundation
import Logging
import PodiumHTTP

/// The bootstrap admin key: `PODIUM_ADMIN_KEY`, or the key in `DATA_DIR/admin.key`,
/// created on first start (mode 0600) and printed once. Only its SHA-256 stays in memory.
enum AdminKeyFile {
    static func load(dataDir: String, logger: Logger) throws -> [UInt8] {
        if let key = ProcessInfo.processInfo.environment["PODIUM_ADMIN_KEY"], !key.isEmpty {
            return AdminKeyMiddleware<PodiumRequestContext>.hash(key)
        }
        let path = dataDir + "/admin.key"
        if let stored = FileManager.default.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) }) {
            return AdminKeyMiddleware<PodiumRequestContext>.hash(stored.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let key = "pdk_" + randomToken()
        guard FileManager.default.createFile(atPath: path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        // Printed once, to the terminal of whoever started the server the first time.
        FileHandle.standardOutput.write(Data("podiumd: created the admin key in \(path) (mode 0600): \(key)\n".utf8))
        logger.info("created the admin key in \(path)")
        return AdminKeyMiddleware<PodiumRequestContext>.hash(key)
    }

    /// 32 random bytes, base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
