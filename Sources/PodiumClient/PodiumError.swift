/// Everything a ``PodiumClient`` call can fail with.
public enum PodiumError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server answered with a problem document (RFC 9457): its HTTP status, its
    /// stable `code` (`board_not_found`, `unauthorized`, ...) and its human `detail`.
    case server(status: Int, code: String, detail: String)
    /// The server could not be reached, or the connection failed: refused, timed out, TLS
    /// (an untrusted certificate included), or closed mid-answer.
    case connection(String)
    /// The server answered something that is not Podium's API: a body that does not
    /// decode, or an error status without a problem document (a proxy's page).
    case invalidResponse(String)
    /// The call was not sent: a URL or CA file that cannot be used, or a body that JSON
    /// cannot carry (a NaN score).
    case invalidRequest(String)

    /// One line: `board_not_found: no board named 'x'`, or what went wrong before an answer.
    public var description: String {
        switch self {
        case let .server(_, code, detail): "\(code): \(detail)"
        case let .connection(reason): "connection failed: \(reason)"
        case let .invalidResponse(reason): "invalid response: \(reason)"
        case let .invalidRequest(reason): "invalid request: \(reason)"
        }
    }
}
