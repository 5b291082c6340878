/// What one client connection may hold of the server, and for how long: podiumd's
/// `--idle-timeout`, `--header-timeout`, `--max-header-bytes` and `--max-connections`.
/// ``ServerSetup`` applies them to every accepted connection (``LimitedChannel``).
public struct ConnectionLimits: Sendable, Equatable {
    /// How long a connection may wait with no request in flight and no byte of a new one
    /// arriving (from accept, and from the end of each response) before it is closed. An
    /// open event stream is a response in flight: it is never idle. Also how long a
    /// request body may go without a byte arriving.
    public var idleTimeout: Duration
    /// Once the first byte of a request has arrived (the TLS handshake's first byte,
    /// for the first request), how long the client has to complete the request line and
    /// headers before the connection is closed: the defence against clients that hold
    /// connections by sending their headers a byte at a time (slowloris).
    public var headerTimeout: Duration
    /// Largest request head: the request target plus every header name and value, and
    /// also the largest single one of them. A larger one gets 431 and the connection is
    /// closed.
    public var maxHeaderBytes: Int
    /// Connections open at once; past it a new connection is accepted and closed at once
    /// (with a log line at most once a minute), so the listen queue never fills with
    /// clients that will not be served. The default leaves room above the 10,000 event
    /// stream subscribers one podiumd is benchmarked with (BENCHMARKS.md).
    public var maxConnections: Int

    public init(
        idleTimeout: Duration = .seconds(60), headerTimeout: Duration = .seconds(10), maxHeaderBytes: Int = 16 * 1024,
        maxConnections: Int = 16_384
    ) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.maxConnections = maxConnections
    }
}
