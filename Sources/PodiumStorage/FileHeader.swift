/// The 12 bytes that open every segment and snapshot: 8 bytes of magic naming the file
/// kind, then the format version (UInt32 LE). A reader refuses versions newer than its
/// own and reads every older one.
///
/// Versions: 1, the first; 2, log segments may hold ``RecordGroup`` frames.
enum FileHeader {
    static let size = 12
    static let version: UInt32 = 2
    static let segmentMagic = Array("PODIUM-A".utf8)
    static let snapshotMagic = Array("PODIUM-S".utf8)

    static func bytes(magic: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes = magic
        writer.write(version)
        return writer.bytes
    }

    static func check(_ bytes: UnsafeRawBufferPointer, magic: [UInt8], file: String) throws(StorageError) {
        guard bytes.count >= size else { throw .corrupt(file: file, offset: 0, reason: "shorter than its \(size)-byte header") }
        guard bytes.prefix(8).elementsEqual(magic) else {
            throw .unsupported(file: file, reason: "not a Podium \(magic == segmentMagic ? "log segment" : "snapshot")")
        }
        let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard (1...Self.version).contains(version) else {
            throw .unsupported(file: file, reason: "format version \(version), this Podium reads 1 to \(Self.version)")
        }
    }
}

/// Walks the frames of a file after its header.
enum FrameScanner {
    /// Checks a log segment's header and decodes each of its records, calling `visit`
    /// with the record and its offset: what recovery and `podium check` both read.
    /// A record that does not decode is ``StorageError/corrupt(file:offset:reason:)``.
    static func scanSegment(
        _ bytes: [UInt8], file: String, visit: (LogRecord, _ offset: Int) throws(StorageError) -> Void
    ) throws -> Outcome {
        try bytes.withUnsafeBytes { (raw) throws(StorageError) -> Outcome in
            try FileHeader.check(raw, magic: FileHeader.segmentMagic, file: file)
            return try scan(raw, file: file) { (kind, payload, offset) throws(StorageError) in
                let records: [LogRecord]
                do throws(FormatError) {
                    records = try RecordGroup.records(kind: kind, payload: payload)
                } catch {
                    throw .corrupt(file: file, offset: offset, reason: error.reason)
                }
                for record in records { try visit(record, offset) }
            }
        }
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
