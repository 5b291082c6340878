import Hummingbird
import PodiumService
import Prometheus

/// Every route of Podium's REST API (SPEC section 4) on `registry`: health checks without
/// credentials, everything under /v1 and /metrics behind the admin key.
public func podiumRouter(
    registry: BoardRegistry, adminKeyHash: [UInt8], prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) -> Router<PodiumRequestContext> {
    let router = Router(context: PodiumRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(ProblemMiddleware())
    let routes = MethodTable(router.group())
    routes.get("healthz") { _, _ in try Response.json(["status": "ok"]) }
    routes.get("readyz") { _, _ in
        // Recovery finishes before the registry exists; a failed log makes it unready.
        guard registry.isHealthy else { throw Problem(.serviceUnavailable, code: "storage_unavailable", detail: "storage failed") }
        return try Response.json(["status": "ready"])
    }
    let guarded = routes.add(middleware: AdminKeyMiddleware(keyHash: adminKeyHash))
    MetricsRoute(registry: registry, prometheus: prometheus).register(on: guarded)
    let v1 = guarded.group("v1")
    BoardRoutes(registry: registry).register(on: v1)
    ScoreRoutes(registry: registry).register(on: v1)
    ReadRoutes(registry: registry).register(on: v1)
    AdminRoutes(registry: registry).register(on: v1)
    // Before authentication: a wrong method says nothing a client may not know.
    routes.answerOtherMethods()
    return router
}
