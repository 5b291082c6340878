/// JSON written straight into bytes, for the bodies every request returns (entries,
/// pages, write results, problems). Foundation's `JSONEncoder` cost a submit ~15% of the
/// server's CPU (perf, BENCHMARKS.md): boxing each value, sorting keys, `Data` copies.
/// Keys are written in sorted order, as `JSONEncoder(.sortedKeys)` wrote them. In the
/// service because events are encoded once, where they are published, for every
/// subscriber and every transport.
///
/// The bytes go to a buffer of its own, not an array: appending to an `Array` a few bytes
/// at a time checked its uniqueness and capacity and called `memmove` on every key and
/// value, a third of the writer's time on a batch's results (BENCHMARKS.md).
/// Non-copyable, so the buffer has one owner, which frees it.
package struct JSONWriter: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    /// Whether the next value in the current object or array needs a comma first.
    private var needsComma = false

    package init(capacity: Int = 256) {
        self.capacity = max(capacity, 32)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// The JSON written so far. O(count): a copy.
    package var bytes: [UInt8] { Array(written) }

    /// Bytes written so far. O(1).
    package var byteCount: Int { count }

    /// Calls `body` with the JSON written so far, in place. O(1).
    package func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(written)
    }

    private var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }

    package mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    package mutating func array<Element>(_ elements: some Sequence<Element>, _ write: (inout JSONWriter, Element) -> Void) {
        open(UInt8(ascii: "["))
        for element in elements { write(&self, element) }
        close(UInt8(ascii: "]"))
    }

    /// A key of the current object; its value follows.
    package mutating func key(_ key: StaticString) {
        reserve(key.utf8CodeUnitCount + 4)
        separate()
        put(UInt8(ascii: "\""))
        key.withUTF8Buffer { copy($0) }
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: ":"))
        needsComma = false
    }

    package mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            // Most strings (member ids, board names) need no escape: copied whole.
            reserve(utf8.count + 3)
            separate()
            put(UInt8(ascii: "\""))
            if !utf8.contains(where: Self.needsEscape) {
                copy(utf8)
            } else {
                for byte in utf8 { escaped(byte) }
                reserve(1)
            }
            put(UInt8(ascii: "\""))
        }
        needsComma = true
    }

    /// `byte` of a string, escaped as JSON needs.
    private mutating func escaped(_ byte: UInt8) {
        reserve(6)
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            put(UInt8(ascii: "\\"))
            put(byte)
        case 0..<0x20:
            // Control characters as \u00XX (member ids have none; details might).
            let hex: StaticString = "0123456789abcdef"
            for ascii in #"\u00"#.utf8 { put(ascii) }
            hex.withUTF8Buffer { digits in
                put(digits[Int(byte >> 4)])
                put(digits[Int(byte & 0xF)])
            }
        default:
            put(byte)
        }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20
    }

    /// A finite double in Swift's shortest round-trip form (`42.0`, `1e-05`): valid JSON.
    /// Scores are finite by the service's rules; a non-finite value is written as null.
    /// `description`'s shortest-digits search was 5% of podiumd's CPU on a batch of 100 (a
    /// score, a previous score and a percentile per entry). What most games' scores and
    /// the percentiles of most boards are skips it: whole numbers below 2^53, and decimals
    /// of up to four places (``writeDecimal(_:)``), written as `description` writes them.
    package mutating func number(_ value: Double) {
        guard value.isFinite else { return null() }
        if value.magnitude < Self.wholeLimit, value == value.rounded(.towardZero) {
            reserve(23)
            separate()
            digits(UInt64(value.magnitude), negative: value.sign == .minus)
            put(UInt8(ascii: "."))
            put(UInt8(ascii: "0"))
            return
        }
        if writeDecimal(value) { return }
        var text = value.description
        text.withUTF8 { raw($0) }
    }

    /// Writes `value` when it is the double nearest a decimal `n / 10^places` of up to four
    /// places, between 10^-4 and 10^9 in magnitude; false, writing nothing, otherwise. That
    /// decimal is then `description`'s text: it reads back as `value`, and no decimal with
    /// fewer digits does, as any two of them lie 10^-4 or more apart while the doubles that
    /// read back as `value` span less than 10^-6 here; nor does another of as many digits,
    /// which would be as far away. Swift writes this range without an exponent.
    private mutating func writeDecimal(_ value: Double) -> Bool {
        let magnitude = value.magnitude
        guard magnitude >= 1e-4, magnitude < 1e9 else { return false }
        var scale = 1.0
        for places in 1...4 {
            scale *= 10
            let scaled = (magnitude * scale).rounded()
            guard scaled / scale == magnitude else { continue }
            let whole = UInt64(scaled), unit = UInt64(scale)
            reserve(32)
            separate()
            digits(whole / unit, negative: value.sign == .minus)
            put(UInt8(ascii: "."))
            // The fraction's digits, leading zeros included; the last is not 0 (with one
            // place fewer the test above would have passed).
            var fraction = whole % unit, divisor = unit / 10
            for _ in 0..<places {
                put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction / divisor))
                fraction %= divisor
                divisor /= 10
            }
            return true
        }
        return false
    }

    /// 2^53: from here on `description` writes whole numbers with an exponent (`1e+16`).
    private static let wholeLimit: Double = 9_007_199_254_740_992

    /// Digits written in place: no `String` for the ranks and counts of every entry.
    package mutating func number(_ value: Int) {
        reserve(21)
        separate()
        digits(UInt64(value.magnitude), negative: value < 0)
    }

    /// Sequence numbers, which may pass `Int.max` in a file someone else wrote.
    package mutating func number(_ value: UInt64) {
        reserve(21)
        separate()
        digits(value)
    }

    /// Written last digit first, then turned around in place, after a minus sign when
    /// `negative`; room for 21 is reserved.
    private mutating func digits(_ value: UInt64, negative: Bool = false) {
        if negative { put(UInt8(ascii: "-")) }
        let first = count
        var magnitude = value
        repeat {
            put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        var written = UnsafeMutableBufferPointer(start: start + first, count: count - first)
        written.reverse()
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
        text.withUnsafeBufferPointer { raw($0) }
    }

    private mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { raw($0) }
    }

    private mutating func raw(_ text: UnsafeBufferPointer<UInt8>) {
        reserve(text.count + 1)
        separate()
        copy(text)
        needsComma = true
    }

    /// `bytes`, into room reserved.
    @inline(__always)
    private mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let base = bytes.baseAddress { (start + count).update(from: base, count: bytes.count) }
        count += bytes.count
    }

    private mutating func open(_ bracket: UInt8) {
        reserve(2)
        separate()
        put(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        reserve(1)
        put(bracket)
        needsComma = true
    }

    /// A comma when a value came before; room for it must be reserved.
    @inline(__always)
    private mutating func separate() {
        if needsComma { put(UInt8(ascii: ",")) }
    }

    /// One byte, into room reserved.
    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        start[count] = byte
        count &+= 1
    }

    /// Room for `extra` more bytes. Amortized O(1): the buffer doubles.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: start, count: count)
        start.deallocate()
        start = grown
        capacity = newCapacity
    }
}
