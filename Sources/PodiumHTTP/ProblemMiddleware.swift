import Hummingbird
import Logging
import PodiumService

/// Turns every error into a problem: service errors by their code, the framework's own
/// (no such route, body too large) by their status, anything else as a 500 that says
/// nothing of the internals. On the REST router it also records every request in the
/// route metrics (``RouteMetricsCache``): one middleware for both, as every hop of the
/// chain is an async call on every request.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    private let metrics: RouteMetricsCache?

    /// `metrics`: where requests are counted and timed by route (none: they are not).
    init(metrics: RouteMetricsCache? = nil) {
        self.metrics = metrics
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics?.record(route: context.endpointPath ?? "Unknown", method: request.method, status: response.status, since: start, failed: false)
            return response
        } catch {
            let problem = Self.problem(for: error, logger: context.logger)
            metrics?.record(route: context.endpointPath ?? "NotFound", method: request.method, status: problem.status, since: start, failed: true)
            throw problem
        }
    }

    private static func problem(for error: any Error, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case let error as ServiceError: return Problem(error)
        case let error as HTTPResponseError:
            switch error.status {
            case .notFound: return Problem(.notFound, code: "not_found", detail: "no such route")
            case .methodNotAllowed: return Problem(.methodNotAllowed, code: "method_not_allowed", detail: "method not allowed here")
            case .contentTooLarge: return Problem(.contentTooLarge, code: "payload_too_large", detail: "the body is larger than the limit")
            case let status where status.code < 500: return Problem(status, code: "invalid_request", detail: status.reasonPhrase)
            default: return Problem(.internalServerError, code: "internal", detail: "internal error")
            }
        default:
            logger.error("unexpected error: \(error)")
            return Problem(.internalServerError, code: "internal", detail: "internal error")
        }
    }
}
