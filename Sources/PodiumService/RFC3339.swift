import Foundation

/// Milliseconds since the Unix epoch as RFC 3339 in UTC, to the millisecond: how every
/// time in the API and the event stream is written.
package func rfc3339(_ milliseconds: Int64) -> String {
    Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}
