/// The rules a member id obeys: 1 to 128 bytes of UTF-8 with no control characters.
///
/// The engine relies on them: no id contains a NUL byte (so zero-padded prefixes order
/// like the ids themselves) and every length fits in one byte.
public enum MemberID {
    public static let maxByteCount = 128

    /// Whether `member` is a valid member id. O(length).
    public static func isValid(_ member: String) -> Bool {
        var member = member
        return member.withUTF8 { isValid($0) }
    }

    /// Whether the UTF-8 `bytes` of a `String` form a valid member id. O(length).
    ///
    /// Control characters are exactly U+0000-U+001F and U+007F-U+009F: bytes below 0x20,
    /// 0x7F, and the two-byte sequences 0xC2 0x80...0xC2 0x9F.
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 1, bytes.count <= maxByteCount else { return false }
        var previous: UInt8 = 0
        for byte in bytes {
            if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte < 0xA0 && byte >= 0x80) { return false }
            previous = byte
        }
        return true
    }
}
