/// Percent-encoding of path segments and query values as the server decodes them
/// (SPEC section 3): every byte but RFC 3986's unreserved ones (letters, digits, `-._~`)
/// as `%XX`, as `encodeURIComponent` does. So any member id ("José", "a b/c", "100%",
/// emoji) is one segment, and `+` in a query is not taken for a space.
enum PercentEncoding {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// `text` encoded. O(bytes).
    static func encode(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                bytes.append(byte)
            } else {
                bytes += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `text` as one path segment. A segment of dots alone ("." or "..") would be taken by
    /// URL handling for "this" or "the parent" directory and removed, so its dots are
    /// encoded too; the server decodes `%2E` back to a dot.
    static func pathSegment(_ text: String) -> String {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 == UInt8(ascii: ".") }) else { return encode(text) }
        return String(repeating: "%2E", count: text.utf8.count)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}

extension String {
    /// This text as one percent-encoded path segment: a route parameter (board, member,
    /// key name, session id) in a request's path.
    var pathSegment: String { PercentEncoding.pathSegment(self) }
}
