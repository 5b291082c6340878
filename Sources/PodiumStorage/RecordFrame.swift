/// The frame around every record, in the append-only file and in snapshots:
///
///     length:     UInt32 LE   bytes of payload
///     kind:       UInt8
///     header CRC: UInt32 LE   CRC-32C of length and kind
///     payload
///     CRC:        UInt32 LE   CRC-32C of everything before it in the frame
///
/// The header CRC tells a damaged length (refused) from a frame cut short by a crash
/// (the only damage a tail may have): without it, a flipped length bit in the middle of
/// a file would read as a torn tail, and recovery would silently drop what follows.
enum RecordFrame {
    static let headerSize = 9
    static let overhead = 13
    /// Larger frames are refused before reading them: no record comes near this.
    static let maxPayload = 16 << 20

    static func append(kind: UInt8, payload: [UInt8], to output: inout [UInt8]) {
        let start = output.count
        output.reserveCapacity(start + overhead + payload.count)
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { output.append(contentsOf: $0) }
        output.append(kind)
        let headerCRC = output.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        withUnsafeBytes(of: headerCRC.littleEndian) { output.append(contentsOf: $0) }
        output.append(contentsOf: payload)
        let crc = output.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        withUnsafeBytes(of: crc.littleEndian) { output.append(contentsOf: $0) }
    }

    /// What the bytes at the front of `bytes` hold.
    enum Scan {
        /// A whole, valid frame of `size` bytes.
        case frame(kind: UInt8, payload: UnsafeRawBufferPointer, size: Int)
        /// The bytes end inside a frame, or only zeros follow: a write cut short.
        case torn
        /// A damaged frame.
        case corrupt(String)
    }

    /// The size the frame at the front of `bytes` claims, if its header verifies.
    static func declaredSize(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= headerSize,
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 5, as: UInt32.self))
                == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<5]))
        else { return nil }
        return Int(UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self))) + overhead
    }

    static func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
        // A crash can leave a partial header, or a tail of zeros where the file system
        // extended the file before the data reached it.
        if bytes.count < headerSize { return .torn }
        let storedHeaderCRC = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 5, as: UInt32.self))
        guard storedHeaderCRC == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<5])) else {
            return bytes.allSatisfy({ $0 == 0 }) ? .torn : .corrupt("frame header CRC-32C mismatch")
        }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)))
        guard length <= maxPayload else { return .corrupt("frame length \(length) is past the limit") }
        guard bytes.count >= length + overhead else { return .torn }
        let end = headerSize + length
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: end, as: UInt32.self))
        guard stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<end])) else {
            return .corrupt("frame CRC-32C mismatch")
        }
        return .frame(kind: bytes[4], payload: UnsafeRawBufferPointer(rebasing: bytes[headerSize..<end]), size: end + 4)
    }
}
