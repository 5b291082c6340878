/// How the frames of one encrypted file are sealed (format version 3).
///
/// An encrypted file opens with its header and then an `encryption` frame, in the clear:
/// the scheme, the key id and a random 16-byte file id. Every frame after it is a
/// `sealed` frame whose payload is the cipher's output for the inner frame's kind and
/// payload, bound (associated data) to the file id and the frame's offset: a frame moved
/// to another place in the file, or into another file, does not open. The frame's CRC
/// stays outside, over the sealed bytes, so a torn tail is still told from damage without
/// the key. Nothing decrypts into wrong data: a frame that does not authenticate is
/// corruption.
struct FileSealing: Sendable {
    static let fileIDSize = 16
    /// Scheme 1: AES-256-GCM under a key derived per file (PodiumEncryption).
    static let scheme: UInt8 = 1

    let keyID: KeyID
    let fileID: [UInt8]
    let cipher: any FrameCipher

    /// The sealing of a new file under `keyring`'s writing key; `nil` writes it plain.
    static func forNewFile(_ keyring: any Keyring, file: String) throws(StorageError) -> FileSealing? {
        guard let keyID = keyring.writingKeyID else { return nil }
        var generator = SystemRandomNumberGenerator()
        let fileID = (0..<fileIDSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
        guard let cipher = keyring.cipher(keyID: keyID, fileID: fileID) else { throw .keyUnavailable(file: file, keyID: keyID) }
        return FileSealing(keyID: keyID, fileID: fileID, cipher: cipher)
    }

    /// The file's header and, when sealed, its `encryption` frame: what precedes its records.
    static func prologue(magic: [UInt8], sealing: FileSealing?) -> [UInt8] {
        var bytes = FileHeader.bytes(magic: magic)
        if let sealing {
            RecordFrame.append(kind: FrameKind.encryption, payload: [scheme] + sealing.keyID.bytes + sealing.fileID, to: &bytes)
        }
        return bytes
    }

    /// Appends a frame of `kind` and `payload` at file offset `offset`: sealed under
    /// `sealing`, or plain. O(payload).
    static func appendFrame(kind: UInt8, payload: [UInt8], at offset: Int, sealing: FileSealing?, to output: inout [UInt8]) {
        guard let sealing else { return RecordFrame.append(kind: kind, payload: payload, to: &output) }
        let sealed = sealing.cipher.seal([kind] + payload, associatedData: sealing.associatedData(offset: offset))
        RecordFrame.append(kind: FrameKind.sealed, payload: sealed, to: &output)
    }

    /// The inner frame of the sealed frame at `offset`, or `nil` if it does not open.
    func open(_ payload: UnsafeRawBufferPointer, at offset: Int) -> (kind: UInt8, payload: [UInt8])? {
        guard let plaintext = cipher.open(payload, associatedData: associatedData(offset: offset)), let kind = plaintext.first else {
            return nil
        }
        return (kind, Array(plaintext.dropFirst()))
    }

    private func associatedData(offset: Int) -> [UInt8] {
        var data = fileID
        withUnsafeBytes(of: UInt64(offset).littleEndian) { data.append(contentsOf: $0) }
        return data
    }

    /// The `encryption` frame right after the header of a file of version 3 or later, if
    /// it has one: its key id, file id and size. `scheme` is `nil` for one this version
    /// does not know. O(1).
    static func encryptionFrame(in bytes: UnsafeRawBufferPointer) -> (scheme: UInt8?, keyID: KeyID?, fileID: [UInt8], size: Int)? {
        guard bytes.count > FileHeader.size, UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) >= 3,
            case let .frame(kind, payload, size) = RecordFrame.scan(UnsafeRawBufferPointer(rebasing: bytes[FileHeader.size...])),
            kind == FrameKind.encryption
        else { return nil }
        guard payload.count == 1 + KeyID.size + fileIDSize, payload[0] == scheme else { return (nil, nil, [], size) }
        return (scheme, KeyID(payload[1...KeyID.size]), Array(payload[(1 + KeyID.size)...]), size)
    }

    /// Reads the `encryption` frame opening `bytes` (right after a header of `version`)
    /// and finds its key in `keyring`; `nil` for a plain file. Returns the frame's size.
    static func read(
        _ bytes: UnsafeRawBufferPointer, version: UInt32, keyring: any Keyring, file: String
    ) throws(StorageError) -> (sealing: FileSealing, size: Int)? {
        guard version >= 3, let frame = encryptionFrame(in: bytes) else { return nil }
        guard frame.scheme != nil, let keyID = frame.keyID else {
            throw .unsupported(file: file, reason: "an encryption scheme this version does not know")
        }
        guard let cipher = keyring.cipher(keyID: keyID, fileID: frame.fileID) else { throw .keyUnavailable(file: file, keyID: keyID) }
        return (FileSealing(keyID: keyID, fileID: frame.fileID, cipher: cipher), frame.size)
    }
}

/// Frame kinds of format version 3, the same in segments and snapshots (outside the
/// ranges of record and snapshot frame kinds).
enum FrameKind {
    /// Opens an encrypted file: scheme, key id, file id.
    static let encryption: UInt8 = 96
    /// An inner frame (its kind, then its payload), sealed.
    static let sealed: UInt8 = 97
}
