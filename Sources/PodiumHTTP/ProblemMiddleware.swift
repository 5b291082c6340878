import Hummingbird
import PodiumService

/// Turns every error into a problem: service errors by their code, the framework's own
/// (no such route, body too large) by their status, anything else as a 500 that says
/// nothing of the internals.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as ServiceError {
            throw Problem(error)
        } catch let error as HTTPResponseError {
            switch error.status {
            case .notFound: throw Problem(.notFound, code: "not_found", detail: "no such route")
            case .methodNotAllowed: throw Problem(.methodNotAllowed, code: "method_not_allowed", detail: "method not allowed here")
            case .contentTooLarge: throw Problem(.contentTooLarge, code: "payload_too_large", detail: "the body is larger than the limit")
            case let status where status.code < 500: throw Problem(status, code: "invalid_request", detail: status.reasonPhrase)
            default: throw Problem(.internalServerError, code: "internal", detail: "internal error")
            }
        } catch {
            context.logger.error("unexpected error: \(error)")
            throw Problem(.internalServerError, code: "internal", detail: "internal error")
        }
    }
}
