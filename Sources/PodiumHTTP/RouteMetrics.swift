import Hummingbird
import Metrics
import Synchronization

/// The metrics of one route, method and status.
struct RouteMetrics: Sendable {
    struct ID: Hashable, Sendable {
        var route: String
        var method: HTTPRequest.Method
        var status: HTTPResponse.Status
    }

    let requests: Counter
    let errors: Counter
    let duration: Timer

    init(_ id: ID) {
        let dimensions = [("http.route", id.route), ("http.request.method", id.method.rawValue)]
        let status = String(id.status.code)
        requests = Counter(label: "hb.requests", dimensions: dimensions + [("http.response.status_code", status)])
        errors = Counter(label: "hb.request.errors", dimensions: dimensions + [("error.type", status)])
        duration = Timer(
            label: "http.server.request.duration", dimensions: dimensions + [("http.response.status_code", status)],
            preferredDisplayUnit: .seconds)
    }

    func record(since start: ContinuousClock.Instant, failed: Bool) {
        let elapsed = ContinuousClock.now - start
        requests.increment()
        if failed { errors.increment() }
        duration.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}

/// Per-route request counts and latencies through swift-metrics, under the names and
/// dimensions of Hummingbird's `MetricsMiddleware` (`hb.requests`, `hb.request.errors`,
/// `http.server.request.duration`; route, method, status), recorded by
/// ``ProblemMiddleware``.
///
/// Hummingbird's own middleware records once the body is written, by wrapping it in a
/// post-write closure; that turned every one-buffer response into a streamed one and cost
/// podiumd 15-20% of its requests per second (A/B on a 100k board, BENCHMARKS.md). These
/// are recorded when the handler returns: the latency leaves out writing the response.
///
/// Metrics by route, made on first use (a handful of routes x methods x statuses).
final class RouteMetricsCache: Sendable {
    /// Counts a request to `route` answered `status` and its latency since `start`.
    func record(
        route: String, method: HTTPRequest.Method, status: HTTPResponse.Status, since start: ContinuousClock.Instant,
        failed: Bool
    ) {
        metrics(RouteMetrics.ID(route: route, method: method, status: status)).record(since: start, failed: failed)
    }

    private let metrics = Mutex<[RouteMetrics.ID: RouteMetrics]>([:])

    private func metrics(_ id: RouteMetrics.ID) -> RouteMetrics {
        metrics.withLock { metrics in
            if let existing = metrics[id] { return existing }
            let made = RouteMetrics(id)
            metrics[id] = made
            return made
        }
    }
}
