import PodiumAPI
import PodiumEngine

/// Reads the bodies of the write routes (`{"member": ..., "score": ..., "update": ...}`,
/// and `{"entries": [...]}` of them) straight from the bytes. Foundation's `JSONDecoder`
/// cost a batch of 100 a quarter of the server's CPU (perf, BENCHMARKS.md).
///
/// It reads only the plain shape: any escape in a string, an unknown or repeated key, a
/// number that is not finite, or anything else unusual returns nil, and the caller decodes
/// the body with `JSONDecoder`, whose answer (value or error) stands. So what it accepts,
/// it reads exactly as `JSONDecoder` would (RFC 8259 grammar; a test compares the two).
struct SubmissionReader {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    static func submission(_ bytes: UnsafeRawBufferPointer) -> SubmitBody? {
        var reader = SubmissionReader(bytes)
        guard let body = reader.submission(), reader.atEnd() else { return nil }
        return body
    }

    static func batch(_ bytes: UnsafeRawBufferPointer) -> BatchBody? {
        var reader = SubmissionReader(bytes)
        guard reader.take(UInt8(ascii: "{")), reader.key(#""entries""#), reader.take(UInt8(ascii: "[")) else { return nil }
        var entries: [SubmitBody] = []
        if !reader.take(UInt8(ascii: "]")) {
            repeat {
                guard let entry = reader.submission() else { return nil }
                entries.append(entry)
            } while reader.take(UInt8(ascii: ","))
            guard reader.take(UInt8(ascii: "]")) else { return nil }
        }
        guard reader.take(UInt8(ascii: "}")), reader.atEnd() else { return nil }
        return BatchBody(entries: entries)
    }

    private mutating func submission() -> SubmitBody? {
        guard take(UInt8(ascii: "{")) else { return nil }
        var member: String?, score: Double?, update: UpdatePolicy??
        repeat {
            if member == nil, key(#""member""#) {
                member = string()
                guard member != nil else { return nil }
            } else if score == nil, key(#""score""#) {
                score = number()
                guard score != nil else { return nil }
            } else if update == nil, key(#""update""#) {
                if literal("null") {
                    update = .some(nil)
                } else {
                    guard let text = string(), let policy = UpdatePolicy(rawValue: text) else { return nil }
                    update = policy
                }
            } else {
                return nil
            }
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "}")), let member, let score else { return nil }
        return SubmitBody(member: member, score: score, update: update ?? nil)
    }

    /// Takes `quoted` (a key with its quotes, compared byte by byte: no `String` for it) and
    /// the colon after it, if they are next.
    private mutating func key(_ quoted: StaticString) -> Bool {
        let start = index
        guard literal(quoted), take(UInt8(ascii: ":")) else {
            index = start
            return false
        }
        return true
    }

    /// A string without escapes or control characters, as valid UTF-8.
    private mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                // ASCII is valid UTF-8 as it is; `String(validating:as:)` reaches the standard
                // library's unspecialized validation (1.5% of a batch's CPU in perf).
                let text = ascii ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            ascii = ascii && byte < 0x80
            index += 1
        }
        return nil
    }

    /// A JSON number that is a finite double: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() -> Double? {
        skipWhitespace()
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - first
        }
        if peek() == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { return nil }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        // A whole number of up to 15 digits is exact in a double: no text, no strtod.
        if index - integerStart == integerDigits, integerDigits <= 15 {
            var magnitude: UInt64 = 0
            for byte in bytes[integerStart..<index] { magnitude = magnitude * 10 + UInt64(byte - UInt8(ascii: "0")) }
            return integerStart > start ? -Double(magnitude) : Double(magnitude)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        // JSONDecoder refuses a number that rounds to zero from nonzero digits (1e-400), and
        // some zeros with an exponent (-0.0e-5): a zero not written as one goes to it.
        guard let value = Double(text), value.isFinite,
            value != 0 || text.utf8.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { return nil }
        return value
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = word.withUTF8Buffer { expected in (0..<count).allSatisfy { bytes[index + $0] == expected[$0] } }
        if matches { index += count }
        return matches
    }

    /// Skips whitespace, then takes `byte` if it is next.
    private mutating func take(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func atEnd() -> Bool {
        skipWhitespace()
        return index == bytes.count
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }
}
