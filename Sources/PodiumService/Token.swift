import Crypto
import Foundation

/// Bearer tokens: 256 random bits, base64url, behind a prefix secret scanners know
/// (`pdk_` API keys, `pds_` player sessions). Only their SHA-256 is kept anywhere.
public enum Token {
    public static let keyPrefix = "pdk_"
    public static let sessionPrefix = "pds_"
    /// Longer presented tokens are refused unhashed.
    public static let maxBytes = 512

    /// A new token: `prefix` and 32 bytes from the system's secure generator (getrandom).
    public static func generate(prefix: String) -> String {
        prefix + base64URL(randomBytes(32))
    }

    /// An identifier that is not a secret (a session id): 16 random bytes.
    package static func identifier(prefix: String) -> String {
        prefix + base64URL(randomBytes(16))
    }

    public static func hash(_ token: String) -> [UInt8] {
        var token = token
        // The digest's bytes copied at once, not iterated one by one (every request hashes).
        return token.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)).withUnsafeBytes { Array($0) } }
    }

    /// Equal lengths are compared byte by byte without an early exit.
    package static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// ``constantTimeEqual(_:_:)`` of two strings' UTF-8, read in place (a request's
    /// token against its connection's last: on every request).
    package static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { a in b.withUTF8 { b in constantTimeEqual(a, b) } }
    }

    private static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
