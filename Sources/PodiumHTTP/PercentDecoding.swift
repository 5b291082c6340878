import Hummingbird

/// Percent-decoding of path and query parameters. Hummingbird hands route parameters
/// over still encoded, and decodes query values leniently (a bad escape stays as it was,
/// bytes that are not UTF-8 become U+FFFD), so a member id outside unreserved ASCII would
/// be looked up as the text of its encoding. Podium decodes every parameter here,
/// strictly: an invalid escape or bytes that are not UTF-8 are a 400, never a lookup.
enum PercentDecoding {
    /// `text` with each `%XX` replaced by its byte, and, in a query (`plusIsSpace`), `+` by a
    /// space as HTML forms and `URLSearchParams` send it. `nil` for a `%` not followed by
    /// two hex digits, or for bytes that are not UTF-8. O(length).
    static func decode(_ text: Substring, plusIsSpace: Bool = false) -> String? {
        // Most ids need no decoding: the text as it is, without a byte buffer.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "%") || plusIsSpace && $0 == UInt8(ascii: "+") }) {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func invalid(_ what: String) -> Problem {
        Problem(.badRequest, code: "invalid_encoding", detail: "\(what) is not valid percent-encoded UTF-8")
    }
}

extension Parameters {
    /// The route parameter `name`, percent-decoded. Throws a 400 problem for an invalid
    /// encoding.
    func decoded(_ name: String) throws -> String {
        let raw = try require(name)
        guard let value = PercentDecoding.decode(raw[...]) else { throw PercentDecoding.invalid("path parameter '\(name)'") }
        return value
    }
}

extension Request {
    /// The query parameter `name`, percent-decoded (`+` is a space); the first when repeated,
    /// `nil` when absent. Throws a 400 problem for an invalid encoding, of the value or of
    /// any parameter's name.
    func query(_ name: String) throws -> String? {
        try queryValues(name).first
    }

    /// A comma-separated list in query parameter `name` (repeated parameters add to it):
    /// split at the commas as sent, then each item decoded, so `%2C` is a comma inside an
    /// item. Empty items are skipped.
    func queryList(_ name: String) throws -> [String] {
        try queryValues(name, raw: true).flatMap { raw in
            try raw.split(separator: ",").map { item in
                guard let value = PercentDecoding.decode(item, plusIsSpace: true) else { throw PercentDecoding.invalid("query parameter '\(name)'") }
                return value
            }
        }
    }

    /// Every value of query parameter `name`, decoded as ``query(_:)`` does (or as sent,
    /// when `raw`), in order.
    func queryValues(_ name: String, raw: Bool = false) throws -> [String] {
        guard let query = uri.query, !query.isEmpty else { return [] }
        var values: [String] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let rawKey = pair.prefix { $0 != "=" }
            guard let key = PercentDecoding.decode(rawKey, plusIsSpace: true) else { throw PercentDecoding.invalid("a query parameter's name") }
            guard key == name else { continue }
            let rawValue = pair.dropFirst(rawKey.count + 1)
            if raw {
                values.append(String(rawValue))
                continue
            }
            guard let value = PercentDecoding.decode(rawValue, plusIsSpace: true) else { throw PercentDecoding.invalid("query parameter '\(name)'") }
            values.append(value)
        }
        return values
    }
}
