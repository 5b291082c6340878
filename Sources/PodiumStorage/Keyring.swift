/// Encryption at rest, as PodiumStorage sees it: the keys a data directory is read and
/// written with. The cipher itself (AES-256-GCM) lives outside this module
/// (PodiumEncryption), which keeps PodiumStorage free of package dependencies; the file
/// format around it (which frames are sealed, what they are bound to) is here.
public protocol Keyring: Sendable {
    /// The id of the key new files are written under; `nil` writes them plain.
    var writingKeyID: KeyID? { get }
    /// The cipher of one file, `fileID`, under key `keyID`; `nil` when this keyring does
    /// not hold that key.
    func cipher(keyID: KeyID, fileID: [UInt8]) -> (any FrameCipher)?
}

/// An authenticated cipher for the frames of one file.
public protocol FrameCipher: Sendable {
    /// `plaintext` sealed and bound to `associatedData` (a fresh nonce, the ciphertext,
    /// the tag). O(plaintext).
    func seal(_ plaintext: [UInt8], associatedData: [UInt8]) -> [UInt8]
    /// The plaintext of `sealed`, or `nil` when it was not sealed by this cipher with
    /// exactly `associatedData`, or was changed since. O(sealed).
    func open(_ sealed: UnsafeRawBufferPointer, associatedData: [UInt8]) -> [UInt8]?
}

/// Which key a file is under: 8 bytes derived from the key (never the key itself), shown
/// as 16 hex digits.
public struct KeyID: Sendable, Hashable, CustomStringConvertible {
    public static let size = 8
    public let bytes: [UInt8]

    /// `nil` unless `bytes` is 8 bytes.
    public init?(_ bytes: some Sequence<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count == Self.size else { return nil }
        self.bytes = bytes
    }

    public var description: String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
    }
}

/// No keys: files are written plain, and an encrypted file cannot be read.
public struct PlainKeyring: Keyring {
    public init() {}
    public var writingKeyID: KeyID? { nil }
    public func cipher(keyID: KeyID, fileID: [UInt8]) -> (any FrameCipher)? { nil }
}
