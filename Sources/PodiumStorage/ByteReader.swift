/// Reads what ``ByteWriter`` writes, refusing to read past the end: every read of a
/// field that a file controls can fail, and none of them traps.
package struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    package private(set) var offset = 0

    package init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    package var isAtEnd: Bool { offset == bytes.count }
    package var remaining: Int { bytes.count - offset }

    package mutating func readUInt8() throws(FormatError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    package mutating func readUInt32() throws(FormatError) -> UInt32 {
        guard remaining >= 4 else { throw .truncated }
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    package mutating func readUInt64() throws(FormatError) -> UInt64 {
        guard remaining >= 8 else { throw .truncated }
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    package mutating func readDouble() throws(FormatError) -> Double { Double(bitPattern: try readUInt64()) }

    package mutating func readVarint() throws(FormatError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readUInt8()
            guard shift < 64, shift < 63 || byte <= 1 else { throw .malformed("varint overflows 64 bits") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// `count` raw bytes.
    package mutating func readBytes(_ count: Int) throws(FormatError) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    /// A varint-length UTF-8 string of at most `maxBytes` bytes.
    package mutating func readString(maxBytes: Int) throws(FormatError) -> String {
        let length = try readVarint()
        guard length <= UInt64(maxBytes) else { throw .malformed("string of \(length) bytes, at most \(maxBytes) allowed") }
        let raw = try readBytes(Int(length))
        guard let string = String(validating: raw, as: UTF8.self) else { throw .malformed("string is not UTF-8") }
        return string
    }
}

/// Why bytes do not decode. Thrown inside payloads; framing turns it into a located error.
package enum FormatError: Error, Equatable {
    case truncated
    case malformed(String)

    package var reason: String {
        switch self {
        case .truncated: "a field runs past the end of its record"
        case let .malformed(reason): reason
        }
    }
}
