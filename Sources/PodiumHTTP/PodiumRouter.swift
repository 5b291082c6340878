import Hummingbird
import PodiumService
import Prometheus

/// Every route of Podium's REST API (SPEC section 4) on `podium`: health checks without
/// credentials; everything under /v1 and /metrics behind a bearer token, each route open
/// to the audience SPEC section 4 names (SPEC section 5 for the roles).
///
/// `authFailuresPerMinute`: failed authentications a client address may make in a
/// minute before it gets 429 (0: no limit). `clock` times those minutes.
/// `trustedProxies`: peer addresses whose `X-Forwarded-For` names the client.
public func podiumRouter(
    podium: Podium, authFailuresPerMinute: Int = 30, trustedProxies: Set<String> = [],
    clock: @escaping AccessRegistry.Clock = AccessRegistry.systemClock,
    prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) -> Router<PodiumRequestContext> {
    let router = Router(context: PodiumRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.middlewares.add(RequestMetricsMiddleware())
    router.middlewares.add(ProblemMiddleware())
    let routes = MethodTable(router.group())
    routes.get("healthz") { _, _ in try Response.json(["status": "ok"]) }
    routes.get("readyz") { _, _ in
        // Recovery finishes before the service exists; a failed log makes it unready.
        guard podium.isHealthy else { throw Problem(.serviceUnavailable, code: "storage_unavailable", detail: "storage failed") }
        return try Response.json(["status": "ready"])
    }

    let limiter = AuthFailureLimiter(failuresPerMinute: authFailuresPerMinute, clock: clock)
    func audience(_ audience: Audience) -> MethodTable<PodiumRequestContext> {
        routes.add(middleware: AuthenticationMiddleware(access: podium.access, limiter: limiter, audience: audience, trustedProxies: trustedProxies))
    }
    let anyone = audience(.anyone), servers = audience(.servers), admins = audience(.admins), players = audience(.players)

    MetricsRoute(podium: podium, prometheus: prometheus).register(on: admins)
    BoardRoutes(registry: podium.boards).register(anyone: anyone.group("v1"), admins: admins.group("v1"))
    ScoreRoutes(registry: podium.boards).register(anyone: anyone.group("v1"), servers: servers.group("v1"))
    ReadRoutes(registry: podium.boards).register(on: anyone.group("v1"))
    SessionRoutes(access: podium.access).register(servers: servers.group("v1"), players: players.group("v1"))
    KeyRoutes(access: podium.access).register(on: admins.group("v1"))
    AdminRoutes(podium: podium).register(on: admins.group("v1"))
    // Before authentication: a wrong method says nothing a client may not know.
    routes.answerOtherMethods()
    return router
}
