import Hummingbird
import PodiumService
import Prometheus

/// Every route of Podium's REST API (SPEC section 4) on `registry`: health checks without
/// credentials, everything under /v1 and /metrics behind the admin key.
public func podiumRouter(
    registry: BoardRegistry, adminKeyHash: [UInt8], prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) -> Router<PodiumRequestContext> {
    let router = Router(context: PodiumRequestContext.self)
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(ProblemMiddleware())
    router.get("healthz") { _, _ in try Response.json(["status": "ok"]) }
    router.get("readyz") { _, _ in
        // Recovery finishes before the registry exists; a failed log makes it unready.
        guard registry.isHealthy else { throw Problem(.serviceUnavailable, code: "storage_unavailable", detail: "storage failed") }
        return try Response.json(["status": "ready"])
    }
    MetricsRoute(registry: registry, prometheus: prometheus)
        .register(on: router.group().add(middleware: AdminKeyMiddleware(keyHash: adminKeyHash)))
    let v1 = router.group("v1").add(middleware: AdminKeyMiddleware(keyHash: adminKeyHash))
    BoardRoutes(registry: registry).register(on: v1)
    ScoreRoutes(registry: registry).register(on: v1)
    ReadRoutes(registry: registry).register(on: v1)
    return router
}
