import Hummingbird
import HummingbirdWebSocket
import PodiumService
import Prometheus

/// Podium's two routers: every REST route, the event stream's SSE included, and the one
/// the server consults for WebSocket upgrades (``ServerSetup``); and, on the embedded
/// store, the hot routes the server answers before the router (``HotRoutes``).
public struct PodiumRouters {
    public let http: Router<PodiumRequestContext>
    public let webSocket: Router<PodiumWebSocketContext>
    public let hotRoutes: HotRoutes?
}

/// Every route of Podium's REST API (SPEC section 4) on `backend`: health checks without
/// credentials; everything under /v1 and /metrics behind a bearer token, each route open
/// to the audience SPEC section 4 names (SPEC section 5 for the roles).
///
/// `authFailuresPerMinute`: failed authentications a client address may make in a
/// minute before it gets 429 (0: no limit). `clock` times those minutes.
/// `trustedProxies`: peer addresses whose `X-Forwarded-For` names the client.
/// `eventKeepalive`: how long a quiet SSE stream waits before a keepalive comment.
/// `console`: the web console's files, served at /console/ (none: no console).
public func podiumRouters(
    backend: PodiumBackend, authFailuresPerMinute: Int = 30, trustedProxies: Set<String> = [],
    clock: @escaping AccessRegistry.Clock = AccessRegistry.systemClock,
    prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), eventKeepalive: Duration = .seconds(15),
    console: ConsoleFiles? = nil
) -> PodiumRouters {
    let router = Router(context: PodiumRequestContext.self, options: .autoGenerateHeadEndpoints)
    let metrics = RouteMetricsCache()
    router.middlewares.add(ProblemMiddleware(metrics: metrics))
    let routes = MethodTable(router.group())
    routes.get("healthz") { _, _ in try Response.json(["status": "ok"]) }
    routes.get("readyz") { _, _ in
        // Recovery finishes before the service exists; a failed log, or Redis not answering,
        // makes it unready.
        guard await backend.isReady() else { throw Problem(.serviceUnavailable, code: "storage_unavailable", detail: "storage failed or unreachable") }
        return try Response.json(["status": "ready"])
    }
    if let console { ConsoleRoutes(console: console).register(on: routes) }

    let limiter = AuthFailureLimiter(failuresPerMinute: authFailuresPerMinute, clock: clock)
    let hotRoutes = backend.embeddedPodium.map {
        HotRoutes(boards: $0.boards, access: $0.access, limiter: limiter, trustedProxies: trustedProxies, metrics: metrics)
    }
    func audience(_ audience: Audience) -> MethodTable<PodiumRequestContext> {
        routes.add(middleware: AuthenticationMiddleware(access: backend.access, limiter: limiter, audience: audience, trustedProxies: trustedProxies))
    }
    let anyone = audience(.anyone), servers = audience(.servers), admins = audience(.admins), players = audience(.players)
    let streams = routes.add(
        middleware: AuthenticationMiddleware(
            access: backend.access, limiter: limiter, audience: .anyone, trustedProxies: trustedProxies, acceptsQueryToken: true))
    let events = EventRoutes(registry: backend.boards, keepalive: eventKeepalive)
    events.register(on: streams.group("v1"))

    MetricsRoute(backend: backend, prometheus: prometheus, hotRoutes: hotRoutes).register(on: admins)
    BoardRoutes(registry: backend.boards).register(anyone: anyone.group("v1"), admins: admins.group("v1"))
    ScoreRoutes(registry: backend.boards).register(anyone: anyone.group("v1"), servers: servers.group("v1"))
    ReadRoutes(registry: backend.boards).register(on: anyone.group("v1"))
    SessionRoutes(access: backend.access).register(servers: servers.group("v1"), players: players.group("v1"))
    WhoAmIRoute(access: backend.access).register(on: anyone.group("v1"))
    KeyRoutes(access: backend.access).register(on: admins.group("v1"))
    AdminRoutes(backend: backend).register(on: admins.group("v1"))
    // Before authentication: a wrong method says nothing a client may not know.
    routes.answerOtherMethods()

    let webSocket = Router(context: PodiumWebSocketContext.self)
    webSocket.middlewares.add(ProblemMiddleware())
    webSocket.middlewares.add(
        AuthenticationMiddleware(
            access: backend.access, limiter: limiter, audience: .anyone, trustedProxies: trustedProxies, acceptsQueryToken: true))
    events.registerWebSocket(on: webSocket.group("v1"))
    return PodiumRouters(http: router, webSocket: webSocket, hotRoutes: hotRoutes)
}
