import Crypto
import PodiumStorage
import Synchronization

/// AES-256-GCM for the frames of one file, under a key of its own: HKDF-SHA256 of the
/// data directory's key with the file's random id as salt. Per-file keys keep the frames
/// sealed under one key far below any bound on nonce reuse; nonces come from a
/// ``NonceSequence`` drawn afresh for each cipher, so a frame rewritten at an offset a
/// crash cut (the same file, the same offset, a new cipher after the restart) still gets
/// a fresh nonce.
///
/// Sealing runs on every append: the key is kept, not rebuilt per frame, and a nonce
/// costs an atomic increment, not a system call.
final class AESGCMFrameCipher: FrameCipher, @unchecked Sendable {
    // @unchecked Sendable: `key` is a `let` that nothing mutates after init (SymmetricKey is
    // not marked Sendable on Linux, but its bytes are only read, by AES.GCM, which copies
    // them into a context of its own per call); `nonces` is Sendable.
    private let key: SymmetricKey
    private let nonces = NonceSequence()

    init(key: AtRestKey, fileID: [UInt8]) {
        self.key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: key.bytes), salt: fileID, info: Array("podium frame key v1".utf8),
            outputByteCount: 32
        )
    }

    /// nonce (12 bytes) + ciphertext + tag (16 bytes).
    func seal(_ plaintext: [UInt8], associatedData: [UInt8]) -> [UInt8] {
        // Sealing fails only for a nonce or key of the wrong size, which these are not:
        // a sealed frame that could not be written stops the write, never loses it silently.
        guard let box = try? AES.GCM.seal(plaintext, using: key, nonce: nonces.next(), authenticating: associatedData),
            let combined = box.combined
        else {
            preconditionFailure("AES-GCM refused a 32-byte key and a 12-byte nonce")
        }
        return combined.withUnsafeBytes { Array($0) }
    }

    func open(_ sealed: UnsafeRawBufferPointer, associatedData: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 12 + 16,
            let box = try? AES.GCM.SealedBox(combined: sealed),
            let plaintext = try? AES.GCM.open(box, using: key, authenticating: associatedData)
        else { return nil }
        return plaintext.withUnsafeBytes { Array($0) }
    }
}

/// Unique 96-bit nonces for one cipher: 64 random bits drawn once, then a 32-bit counter.
/// Two ciphers of one file key share a prefix with odds of about n²/2⁶⁵ for n ciphers (a
/// file is opened for writing a handful of times). Past 2³² nonces, which a segment or
/// snapshot never reaches, each nonce is wholly random.
final class NonceSequence: Sendable {
    private let prefix: UInt64
    private let counter = Atomic<UInt64>(0)

    init() {
        var generator = SystemRandomNumberGenerator()
        prefix = generator.next()
    }

    /// The next nonce. O(1), lock-free.
    func next() -> AES.GCM.Nonce {
        let count = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        guard count <= UInt64(UInt32.max) else { return AES.GCM.Nonce() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        withUnsafeBytes(of: prefix.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt32(count).littleEndian) { bytes += $0 }
        return (try? AES.GCM.Nonce(data: bytes)) ?? AES.GCM.Nonce()
    }
}
