import Crypto
import PodiumStorage

/// AES-256-GCM for the frames of one file, under a key of its own: HKDF-SHA256 of the
/// data directory's key with the file's random id as salt. Nonces are random (96 bits);
/// per-file keys keep the number of frames sealed under one key far below the bound
/// where random nonces could repeat, and a frame rewritten at an offset a crash cut
/// (the same file, the same offset) still gets a fresh nonce.
struct AESGCMFrameCipher: FrameCipher {
    /// The file's key, as bytes: `SymmetricKey` is not `Sendable` on Linux.
    private let fileKey: [UInt8]

    init(key: AtRestKey, fileID: [UInt8]) {
        fileKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: key.bytes), salt: fileID, info: Array("podium frame key v1".utf8),
            outputByteCount: 32
        ).withUnsafeBytes { Array($0) }
    }

    private var key: SymmetricKey { SymmetricKey(data: fileKey) }

    /// nonce (12 bytes) + ciphertext + tag (16 bytes).
    func seal(_ plaintext: [UInt8], associatedData: [UInt8]) -> [UInt8] {
        let nonce = AES.GCM.Nonce()
        // Sealing fails only for a nonce or key of the wrong size, which these are not:
        // a sealed frame that could not be written stops the write, never loses it silently.
        guard let box = try? AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: associatedData) else {
            preconditionFailure("AES-GCM refused a 32-byte key and a 12-byte nonce")
        }
        return Array(nonce) + Array(box.ciphertext) + Array(box.tag)
    }

    func open(_ sealed: UnsafeRawBufferPointer, associatedData: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 12 + 16,
            let box = try? AES.GCM.SealedBox(combined: sealed),
            let plaintext = try? AES.GCM.open(box, using: key, authenticating: associatedData)
        else { return nil }
        return Array(plaintext)
    }
}
