/// The 12 bytes that open every segment and snapshot: 8 bytes of magic naming the file
/// kind, then the format version (UInt32 LE). A reader refuses versions newer than its
/// own and reads every older one.
///
/// Versions: 1, the first; 2, log segments may hold ``RecordGroup`` frames; 3, a file may
/// be encrypted (``FileSealing``).
enum FileHeader {
    static let size = 12
    static let version: UInt32 = 3
    static let segmentMagic = Array("PODIUM-A".utf8)
    static let snapshotMagic = Array("PODIUM-S".utf8)

    static func bytes(magic: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes = magic
        writer.write(version)
        return writer.bytes
    }

    /// Checks the header's magic and version; returns the version.
    @discardableResult
    static func check(_ bytes: UnsafeRawBufferPointer, magic: [UInt8], file: String) throws(StorageError) -> UInt32 {
        guard bytes.count >= size else { throw .corrupt(file: file, offset: 0, reason: "shorter than its \(size)-byte header") }
        guard bytes.prefix(8).elementsEqual(magic) else {
            throw .unsupported(file: file, reason: "not a Podium \(magic == segmentMagic ? "log segment" : magic == snapshotMagic ? "snapshot" : "events history")")
        }
        let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard (1...Self.version).contains(version) else {
            throw .unsupported(file: file, reason: "format version \(version), this Podium reads 1 to \(Self.version)")
        }
        return version
    }
}

/// Walks the frames of a file after its header.
enum FrameScanner {
    /// Checks a log segment's header and decodes each of its records, calling `visit`
    /// with the record and its offset: what recovery and `podium check` both read.
    /// A record that does not decode is ``StorageError/corrupt(file:offset:reason:)``.
    /// An encrypted segment needs its key in `keyring`.
    static func scanSegment(
        _ bytes: [UInt8], file: String, keyring: any Keyring = PlainKeyring(),
        visit: (LogRecord, _ offset: Int) throws(StorageError) -> Void
    ) throws(StorageError) -> Outcome {
        try scanFile(bytes, magic: FileHeader.segmentMagic, file: file, keyring: keyring) { (kind, payload, offset) throws(StorageError) in
            try visitRecords(kind: kind, payload: payload, offset: offset, file: file, visit: visit)
        }.outcome
    }

    /// Decodes the log records of one segment frame (one, or a ``RecordGroup``) and calls
    /// `visit` with each. A frame that does not decode is corruption.
    static func visitRecords(
        kind: UInt8, payload: UnsafeRawBufferPointer, offset: Int, file: String,
        visit: (LogRecord, _ offset: Int) throws(StorageError) -> Void
    ) throws(StorageError) {
        let records: [LogRecord]
        do throws(FormatError) {
            records = try RecordGroup.records(kind: kind, payload: payload)
        } catch {
            throw .corrupt(file: file, offset: offset, reason: error.reason)
        }
        for record in records { try visit(record, offset) }
    }

    /// Checks a file's header, reads its `encryption` frame if it has one (finding the key
    /// in `keyring`), then calls `visit` with each frame's kind, payload and offset:
    /// opened when the file is sealed. Returns the outcome and the file's sealing.
    static func scanFile(
        _ bytes: [UInt8], magic: [UInt8], file: String, keyring: any Keyring,
        visit: (_ kind: UInt8, _ payload: UnsafeRawBufferPointer, _ offset: Int) throws(StorageError) -> Void
    ) throws(StorageError) -> (outcome: Outcome, sealing: FileSealing?) {
        // `withUnsafeBytes` rethrows untyped errors: carry the typed one out in a Result.
        try bytes.withUnsafeBytes { raw in
            Result { () throws(StorageError) -> (outcome: Outcome, sealing: FileSealing?) in
                let version = try FileHeader.check(raw, magic: magic, file: file)
                let prologue = try FileSealing.read(raw, version: version, keyring: keyring, file: file)
                let start = FileHeader.size + (prologue?.size ?? 0)
                let outcome = try scanFrames(raw, from: start, base: 0, sealing: prologue?.sealing, file: file, visit: visit)
                return (outcome, prologue?.sealing)
            }
        }.get()
    }

    /// ``scan(_:from:file:visit:)``, opening each frame under `sealing` (refusing a plain
    /// one), or refusing sealed frames in a plain file. `base`: the file offset of
    /// `bytes`' first byte (frames are bound to their offset in the file).
    static func scanFrames(
        _ bytes: UnsafeRawBufferPointer, from start: Int, base: Int, sealing: FileSealing?, file: String,
        visit: (_ kind: UInt8, _ payload: UnsafeRawBufferPointer, _ offset: Int) throws(StorageError) -> Void
    ) throws(StorageError) -> Outcome {
        try scan(bytes, from: start, file: file) { (kind, payload, offset) throws(StorageError) in
            guard let sealing else {
                guard kind != FrameKind.sealed, kind != FrameKind.encryption else {
                    throw .corrupt(file: file, offset: base + offset, reason: "an encrypted frame in a plain file")
                }
                return try visit(kind, payload, base + offset)
            }
            guard kind == FrameKind.sealed else {
                throw .corrupt(file: file, offset: base + offset, reason: "a plain frame in an encrypted file")
            }
            guard let inner = sealing.open(payload, at: base + offset) else {
                throw .corrupt(
                    file: file, offset: base + offset,
                    reason: "a frame that does not authenticate under key \(sealing.keyID) (changed, or moved from elsewhere)")
            }
            try inner.payload.withUnsafeBytes { raw in
                Result { () throws(StorageError) in try visit(inner.kind, raw, base + offset) }
            }.get()
        }
    }

    /// Bytes before the first record of a file: its header, and its `encryption` frame if
    /// it has one (read without a key). O(1).
    static func prologueLength(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { FileHeader.size + (FileSealing.encryptionFrame(in: $0)?.size ?? 0) }
    }

    /// The key a file is encrypted under, read without a key; `nil` for a plain file. O(1).
    static func keyID(of bytes: [UInt8]) -> KeyID? {
        bytes.withUnsafeBytes { FileSealing.encryptionFrame(in: $0)?.keyID }
    }

    struct Outcome: Equatable {
        /// Bytes from the start of the file up to the end of the last whole frame.
        var validLength: Int
        /// Bytes after it, cut short by a crash (0 when the file ends cleanly).
        var tornBytes: Int
        /// Zeros after those: preallocated space the log had not reached.
        var paddingBytes: Int
        var frames: Int
    }

    /// Calls `visit` with each frame's kind, payload and offset. A damaged frame throws
    /// ``StorageError/corrupt(file:offset:reason:)``; a frame cut short at the end is
    /// reported in the outcome, and the caller decides whether a tail may be torn.
    /// `start`: where the first frame is (by default after the file header).
    static func scan(
        _ bytes: UnsafeRawBufferPointer, from start: Int = FileHeader.size, file: String,
        visit: (_ kind: UInt8, _ payload: UnsafeRawBufferPointer, _ offset: Int) throws(StorageError) -> Void
    ) throws(StorageError) -> Outcome {
        // Zeros at the end are padding: preallocated blocks, or blocks a crash left unwritten.
        // Frames are read from all the bytes, not only up to the last nonzero one: a whole
        // frame may end in zeros (its CRC does, one frame in 256).
        let dataEnd = max(start, bytes.lastIndex { $0 != 0 }.map { $0 + 1 } ?? start)
        var offset = start
        var frames = 0
        while offset < dataEnd {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch RecordFrame.scan(rest) {
            case let .frame(kind, payload, size):
                try visit(kind, payload, offset)
                offset += size
                frames += 1
            case .torn:
                return Outcome(validLength: offset, tornBytes: dataEnd - offset, paddingBytes: bytes.count - dataEnd, frames: frames)
            case let .corrupt(reason):
                // A frame a crash cut short inside preallocated space fails its CRC (its
                // missing bytes read as zeros), but no data follows it: a torn tail.
                let claimed = RecordFrame.declaredSize(rest) ?? RecordFrame.headerSize
                if claimed >= dataEnd - offset {
                    return Outcome(validLength: offset, tornBytes: dataEnd - offset, paddingBytes: bytes.count - dataEnd, frames: frames)
                }
                throw .corrupt(file: file, offset: offset, reason: reason)
            }
        }
        return Outcome(validLength: offset, tornBytes: 0, paddingBytes: bytes.count - offset, frames: frames)
    }
}
