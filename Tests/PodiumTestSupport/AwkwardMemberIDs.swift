/// Member ids as users really send them, for every test that names members in a URL: the
/// bug these catch hid while every test used ASCII.
public enum AwkwardMemberIDs {
    /// Ids outside unreserved ASCII. NFC "é" and NFD "e" + U+0301 are two members.
    public static let all: [String] = [
        "José", "a b/c", "100%", "a?b#c", "a&b=c;d", "+plus+", "🎮 player one 🏆", "שלום עולם", "مرحبا",
        "\u{E9}", "e\u{301}", "n\u{303}\u{303}", " leading and trailing ", "..", "a\\b", "%41", "\"quoted\"",
        // 124 bytes of ASCII and a 4-byte emoji: exactly the 128-byte limit.
        String(repeating: "x", count: 124) + "🎮",
        // 64 two-byte characters: 128 bytes, whose encoding is 384 characters long.
        String(repeating: "é", count: 64),
    ]

    /// 129 bytes: one past the limit, with a 4-byte emoji at the edge.
    public static let tooLong = String(repeating: "x", count: 125) + "🎮"

    /// `id` as a URL path segment or query value: every byte but the unreserved ones
    /// (RFC 3986: letters, digits, `-._~`) as `%XX`, as `encodeURIComponent` does.
    public static func percentEncoded(_ id: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in id.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved { bytes.append(byte) } else { bytes += [0x25, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]] }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether two ids are the same member: the same bytes (Swift's `==` would take NFC and
    /// NFD spellings for one).
    public static func same(_ a: String?, _ b: String) -> Bool { a.map { $0.utf8.elementsEqual(b.utf8) } ?? false }
}
