import Crypto
import Foundation
import PodiumStorage
import _CryptoExtras

/// A data directory's encryption key, read from a key file (`--encryption-key-file`).
///
/// The file holds 32 random bytes (`head -c 32 /dev/urandom > podium.key`), or those as 64
/// hex digits (`openssl rand -hex 32 > podium.key`), or else a passphrase, which scrypt
/// (N = 2^15, r = 8, p = 1, ~0.1 s) stretches into a key. A file group or others may read
/// is refused: the key is what keeps a stolen disk or backup unreadable.
public struct AtRestKey: Sendable {
    /// Which key this is, as file headers name it: derived from the key, never the key.
    public let id: KeyID
    /// The key's bytes (`SymmetricKey` is not `Sendable` on Linux).
    let bytes: [UInt8]

    /// A key of exactly 32 bytes.
    public init?(bytes: some Sequence<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
        let tag = HMAC<SHA256>.authenticationCode(for: Array("podium at-rest key id v1".utf8), using: SymmetricKey(data: bytes))
        guard let id = KeyID(tag.prefix(KeyID.size)) else { return nil }
        self.id = id
    }

    /// Why a key file is refused.
    public struct FileError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Shortest passphrase taken: a short one would make the encryption a formality.
    static let minimumPassphraseBytes = 16
    /// scrypt's salt: fixed, so a passphrase names one key wherever it is used (a backup
    /// restored elsewhere opens with the same passphrase). A random 32-byte key file is the
    /// stronger choice.
    static let passphraseSalt = Array("podium at-rest passphrase v1".utf8)

    /// Reads the key file at `path`. Throws ``FileError`` when it cannot be read, group or
    /// others may read it, or it holds neither a key nor a long enough passphrase.
    public init(contentsOf path: String) throws(FileError) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw FileError(description: "cannot read the key file \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw FileError(
                description: "the key file \(path) may be read by group or others (mode \(String(status.st_mode & 0o777, radix: 8))): "
                    + "chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(description: "cannot read the key file \(path)")
        }
        let bytes = Array(data)
        if let key = AtRestKey(bytes: bytes) {
            self = key
            return
        }
        var text = bytes
        while let last = text.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { text.removeLast() }
        if let raw = Self.hexBytes(text), let key = AtRestKey(bytes: raw) {
            self = key
            return
        }
        guard text.count >= Self.minimumPassphraseBytes else {
            throw FileError(
                description: "the key file \(path) holds neither a key (32 bytes, or 64 hex digits) "
                    + "nor a passphrase of at least \(Self.minimumPassphraseBytes) bytes")
        }
        let derived: SymmetricKey
        do {
            derived = try KDF.Scrypt.deriveKey(
                from: text, salt: Self.passphraseSalt, outputByteCount: 32, rounds: 1 << 15, blockSize: 8, parallelism: 1)
        } catch {
            throw FileError(description: "cannot derive a key from the passphrase in \(path): \(error)")
        }
        guard let key = derived.withUnsafeBytes({ AtRestKey(bytes: $0) }) else {
            throw FileError(description: "cannot derive a key from the passphrase in \(path)")
        }
        self = key
    }

    /// 64 hex digits as 32 bytes; `nil` for anything else.
    private static func hexBytes(_ text: [UInt8]) -> [UInt8]? {
        guard text.count == 64 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = value(text[index]), let low = value(text[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
