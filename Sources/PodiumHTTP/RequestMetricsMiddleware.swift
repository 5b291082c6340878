import Hummingbird
import Metrics
import Synchronization

/// Per-route request counts and latencies through swift-metrics, under the names and
/// dimensions of Hummingbird's `MetricsMiddleware` (`hb.requests`, `hb.request.errors`,
/// `http.server.request.duration`; route, method, status).
///
/// Hummingbird's own middleware records once the body is written, by wrapping it in a
/// post-write closure; that turned every one-buffer response into a streamed one and cost
/// podiumd 15-20% of its requests per second (A/B on a 100k board, BENCHMARKS.md). This
/// one records when the handler returns: the latency leaves out writing the response.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let cache = RouteMetricsCache()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            cache.metrics(RouteMetrics.ID(route: context.endpointPath ?? "Unknown", method: request.method, status: response.status))
                .record(since: start, failed: false)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            cache.metrics(RouteMetrics.ID(route: context.endpointPath ?? "NotFound", method: request.method, status: status))
                .record(since: start, failed: true)
            throw error
        }
    }
}

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

/// Metrics by route, made on first use (a handful of routes x methods x statuses).
final class RouteMetricsCache: Sendable {
    private let metrics = Mutex<[RouteMetrics.ID: RouteMetrics]>([:])

    func metrics(_ id: RouteMetrics.ID) -> RouteMetrics {
        metrics.withLock { metrics in
            if let existing = metrics[id] { return existing }
            let made = RouteMetrics(id)
            metrics[id] = made
            return made
        }
    }
}
