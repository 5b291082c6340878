/// Appends little-endian integers, LEB128 varints and length-prefixed strings to a byte
/// buffer: the building blocks of every record payload (Schemas/storage-format.md).
package struct ByteWriter {
    package var bytes: [UInt8] = []

    package init() {}

    /// An empty writer with room for `capacity` bytes before it grows.
    package init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    package mutating func write(_ value: UInt8) { bytes.append(value) }

    package mutating func write(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A double as its IEEE 754 bits: exact, NaN payloads and signs included.
    package mutating func write(_ value: Double) { write(value.bitPattern) }

    /// Unsigned LEB128: 7 bits a byte, high bit set on all but the last.
    package mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// UTF-8 bytes after a varint length.
    package mutating func write(_ string: String) {
        writeVarint(UInt64(string.utf8.count))
        bytes.append(contentsOf: string.utf8)
    }
}
