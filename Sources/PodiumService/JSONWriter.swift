/// JSON written straight into bytes, for the bodies every request returns (entries,
/// pages, write results, problems). Foundation's `JSONEncoder` cost a submit ~15% of the
/// server's CPU (perf, BENCHMARKS.md): boxing each value, sorting keys, `Data` copies.
/// Keys are written in sorted order, as `JSONEncoder(.sortedKeys)` wrote them. In the
/// service because events are encoded once, where they are published, for every
/// subscriber and every transport.
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []
    /// Whether the next value in the current object or array needs a comma first.
    private var needsComma = false

    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    package mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    package mutating func array<Element>(_ elements: some Sequence<Element>, _ write: (inout JSONWriter, Element) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        for element in elements { write(&self, element) }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A key of the current object; its value follows.
    package mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    package mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        // Most strings (member ids, board names) need no escape: copied whole.
        if !value.utf8.contains(where: Self.needsEscape) {
            bytes.append(contentsOf: value.utf8)
        } else {
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
                case 0..<0x20:
                    // Control characters as \u00XX (member ids have none; details might).
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                default:
                    bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20
    }

    /// A finite double in Swift's shortest round-trip form (`42.0`, `1e-05`): valid JSON.
    /// Scores are finite by the service's rules; a non-finite value is written as null.
    /// `description`'s shortest-digits search was 5% of podiumd's CPU on a batch of 100 (a
    /// score and a percentile per entry): whole numbers below 2^53, what most games'
    /// scores are, skip it, written as their digits and `.0` as `description` writes them.
    package mutating func number(_ value: Double) {
        guard value.isFinite else { return null() }
        if value.magnitude < Self.wholeLimit, value == value.rounded(.towardZero) {
            separate()
            if value.sign == .minus { bytes.append(UInt8(ascii: "-")) }
            digits(UInt64(value.magnitude))
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(ascii: "0"))
            return
        }
        raw(value.description)
    }

    /// 2^53: from here on `description` writes whole numbers with an exponent (`1e+16`).
    private static let wholeLimit: Double = 9_007_199_254_740_992

    /// Digits written in place: no `String` for the ranks and counts of every entry.
    package mutating func number(_ value: Int) {
        separate()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        digits(UInt64(value.magnitude))
    }

    /// Sequence numbers, which may pass `Int.max` in a file someone else wrote.
    package mutating func number(_ value: UInt64) {
        separate()
        digits(value)
    }

    /// Written backwards into a buffer on the stack, then appended at once: appending digit
    /// by digit and reversing was 5% of podiumd's CPU on a batch of 100.
    private mutating func digits(_ value: UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var magnitude = value, start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
        needsComma = true
    }

    package mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }

    package mutating func null() { raw("null") }

    package mutating func optional<Value>(_ value: Value?, _ write: (inout JSONWriter, Value) -> Void) {
        if let value { write(&self, value) } else { null() }
    }

    /// `key` and its value, `null` when absent: the nullable fields of entries and events.
    package mutating func field(_ key: StaticString, _ value: Int?) {
        self.key(key)
        optional(value) { $0.number($1) }
    }

    package mutating func field(_ key: StaticString, _ value: Double?) {
        self.key(key)
        optional(value) { $0.number($1) }
    }

    package mutating func field(_ key: StaticString, _ value: String?) {
        self.key(key)
        optional(value) { $0.string($1) }
    }

    /// A value that is JSON text already (stored metadata, checked when it came in).
    package mutating func json(_ text: [UInt8]) {
        separate()
        bytes.append(contentsOf: text)
        needsComma = true
    }

    private mutating func raw(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}
