import Foundation

/// Milliseconds since the Unix epoch as RFC 3339 in UTC, to the millisecond: how every
/// time in the API and the event stream is written.
package func rfc3339(_ milliseconds: Int64) -> String {
    // Whole seconds through the formatter, the milliseconds by hand: formatting a Double of
    // seconds truncated its binary fraction and printed some times 1 ms early.
    let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
    let fraction = Int(milliseconds - seconds * 1000)
    let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
    let digits = String(fraction)
    return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
}
