import PodiumStorage

/// The keys of an encrypted data directory: one that writes (and reads), and previous
/// ones that only read, until a snapshot has rewritten everything under the new one
/// (key rotation: `--encryption-key-file NEW --previous-key-file OLD`).
public struct AtRestKeyring: Keyring {
    private let writing: AtRestKey?
    private let readable: [KeyID: AtRestKey]

    /// `writing` `nil`: new files are written plain (files under `previous` keys still read).
    public init(writing: AtRestKey?, previous: [AtRestKey] = []) {
        self.writing = writing
        var readable: [KeyID: AtRestKey] = [:]
        for key in previous + (writing.map { [$0] } ?? []) { readable[key.id] = key }
        self.readable = readable
    }

    /// The keyring of a key file and previous key files (``AtRestKey/init(contentsOf:)``).
    public init(keyFile: String?, previousKeyFiles: [String] = []) throws(AtRestKey.FileError) {
        let writing = try keyFile.map { (path) throws(AtRestKey.FileError) in try AtRestKey(contentsOf: path) }
        var previous: [AtRestKey] = []
        for path in previousKeyFiles { previous.append(try AtRestKey(contentsOf: path)) }
        self.init(writing: writing, previous: previous)
    }

    public var writingKeyID: KeyID? { writing?.id }

    public func cipher(keyID: KeyID, fileID: [UInt8]) -> (any FrameCipher)? {
        readable[keyID].map { AESGCMFrameCipher(key: $0, fileID: fileID) }
    }
}
