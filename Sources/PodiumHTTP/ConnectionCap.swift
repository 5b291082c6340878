import Logging
import Synchronization

/// The server's open connections counted against ``ConnectionLimits/maxConnections``,
/// by every event loop at once.
///
/// Past the cap a new connection is accepted and closed at once rather than left in the
/// listen queue: a client then learns at once that it is not served, and the queue stays
/// free for when connections end. The operator hears of it in one log line a minute at
/// most, however many connections are closed.
final class ConnectionCap: Sendable {
    /// At most this many connections are open at once.
    let maximum: Int
    /// How often, at most, the "cap reached" line is logged.
    static let reportInterval: Duration = .seconds(60)

    private let open = Atomic<Int>(0)
    /// When the "cap reached" line was last logged, and connections closed since.
    private let report = Mutex<(last: ContinuousClock.Instant?, closedSince: Int)>((nil, 0))

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Connections admitted and not released yet.
    var openConnections: Int { open.load(ordering: .relaxed) }

    /// Counts a new connection in and returns true, or returns false, counting nothing,
    /// when `maximum` are open: the connection must then be closed. A true must be matched
    /// by one ``release()`` when the connection closes.
    func admit() -> Bool {
        // Add first, then check: two event loops admitting at once cannot both take the last place.
        guard open.add(1, ordering: .relaxed).newValue <= maximum else {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Counts out a connection ``admit()`` let in.
    func release() {
        open.subtract(1, ordering: .relaxed)
    }

    /// Notes a connection closed for the cap, and logs "connection cap N reached: closing
    /// new connections" unless that was logged less than ``reportInterval`` ago (later
    /// lines say how many were closed since the one before).
    func noteRefused(logger: Logger, now: ContinuousClock.Instant = .now) {
        let closedSinceLastLine: Int? = report.withLock { report in
            report.closedSince += 1
            if let last = report.last, now - last < Self.reportInterval { return nil }
            let closed = report.closedSince
            report = (now, 0)
            return closed
        }
        guard let closedSinceLastLine else { return }
        // Only the connections closed while the line was held back are worth a count.
        let tally = closedSinceLastLine > 1 ? " (\(closedSinceLastLine) closed since the last such line)" : ""
        logger.warning("connection cap \(maximum) reached: closing new connections\(tally)")
    }
}
