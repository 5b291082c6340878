import Foundation
import Logging
import PodiumService

/// The bootstrap admin key: `PODIUM_ADMIN_KEY`, or the key in `DATA_DIR/admin.key`,
/// created on first start (mode 0600 from the start) and printed once. Only its SHA-256
/// stays in memory. A key file that exists but cannot be used stops the start-up rather
/// than being replaced behind the operator's back.
enum AdminKeyFile {
    /// Shorter keys are accepted with a warning: they are guessable, and tried first.
    static let recommendedLength = 32

    static func load(dataDir: String, logger: Logger) throws -> [UInt8] {
        if let key = ProcessInfo.processInfo.environment["PODIUM_ADMIN_KEY"], !key.isEmpty {
            return try usable(key, source: "PODIUM_ADMIN_KEY", logger: logger)
        }
        let path = dataDir + "/admin.key"
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ValidationFailure("\(path) exists but cannot be read as UTF-8 text: fix or remove it")
            }
            return try usable(text.trimmingCharacters(in: .whitespacesAndNewlines), source: path, logger: logger)
        }
        // First start: the data directory may not exist yet (the store, which also makes it,
        // opens after the key is loaded; a Redis-backed podiumd keeps only this and tls/ here).
        do {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ValidationFailure("cannot create the data directory \(dataDir): \(error.localizedDescription)")
        }
        let key = Token.generate(prefix: Token.keyPrefix)
        // O_EXCL with mode 0600: the key is never readable by others, not even for a moment.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw ValidationFailure("cannot create \(path): \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data((key + "\n").utf8))
        try handle.synchronize()
        // Printed once, to the terminal of whoever started the server the first time.
        FileHandle.standardOutput.write(Data("podiumd: created the admin key in \(path) (mode 0600): \(key)\n".utf8))
        logger.info("created the admin key in \(path)")
        return Token.hash(key)
    }

    private static func usable(_ key: String, source: String, logger: Logger) throws -> [UInt8] {
        guard !key.isEmpty, key.utf8.count <= Token.maxBytes else {
            throw ValidationFailure("the admin key in \(source) must be 1 to \(Token.maxBytes) bytes")
        }
        if key.utf8.count < recommendedLength {
            logger.warning("the admin key in \(source) is shorter than \(recommendedLength) characters: easy to guess")
        }
        return Token.hash(key)
    }
}

/// A start-up refusal with its reason.
struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
