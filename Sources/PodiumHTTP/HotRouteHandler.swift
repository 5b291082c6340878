import HTTPTypes
import NIOCore
import NIOHTTP1
import PodiumAPI
import PodiumService

/// One connection's ``HotRoutes``: sits between the HTTP/1 decoder and Hummingbird, ahead
/// of its conversion of requests and responses to HTTPTypes, which the hot routes'
/// requests do not need (``AheadOfHTTPTypes``); answers the hot routes' requests itself
/// and passes every other request on, keeping HTTP/1.1's order: a request is answered
/// here only when no earlier one is still with the router, and while a submit here waits
/// for the log, what arrives after it waits too.
///
/// While an answer is due the connection is not read from (its `read` is held, as
/// Hummingbird's own channel does once its buffer is full), so what waits here is at most
/// one read's worth, however much a client pipelines.
///
/// The connection's other handlers see every request either way: ``RequestHeadHandler``
/// times them, Hummingbird's state handler sees only those passed on. So the server's
/// stop (``ChannelShouldQuiesceEvent``) is held here while a request of ours is being
/// read or answered, and let through once that answer is written; from the stop on this
/// handler starts nothing, as Hummingbird answers the request in flight and closes: what
/// the client pipelined behind it is never applied, and it sends it again. Nor does it
/// start anything on a closed connection (the HTTP decoder hands on what it still holds
/// as the connection closes, and TLS goes on reading while it says goodbye).
final class HotRouteHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A request of a hot route, read here. A class: the state that holds it is copied
    /// on every part read, and a struct's copy retains each of its fields.
    private final class Request {
        let route: HotRoutes.Route
        let head: HTTPRequestHead
        let principal: Principal
        var body: ByteBuffer?
        let started: ContinuousClock.Instant

        init(route: HotRoutes.Route, head: HTTPRequestHead, principal: Principal) {
            self.route = route
            self.head = head
            self.principal = principal
            started = .now
        }
    }

    private enum State {
        /// Between requests.
        case idle
        /// Reading a hot route's request (its body, for a write).
        case reading(Request)
        /// Its answer is due: what arrives meanwhile is queued.
        case answering
        /// Passing a request's parts on to the router.
        case passing
        /// Dropping a request that arrived once nothing more is started.
        case dropping
    }

    private let routes: HotRoutes
    private let serverName: String
    private var state = State.idle
    /// Requests passed on whose response has not ended.
    private var passedOn = 0
    /// Parts that arrived while an answer was due, in order.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    /// A read of the connection asked for while an answer was due, held until it is given.
    private var heldRead = false
    /// The server's stop, held until the answer that was due is written.
    private var heldQuiesce: Any?
    /// Set by the server's stop, or a close: nothing more is started here.
    private var stopping = false
    /// Once a stop is held: the last answer's write, which the stop waits for (a close
    /// fails the writes the socket has not taken yet).
    private var lastAnswer: EventLoopFuture<Void>?
    /// Set while ``drainQueue()`` runs.
    private var draining = false
    private var context: ChannelHandlerContext?
    private var peer: String?
    /// The last credential found valid on this connection: most clients send one token.
    private var credential: AccessRegistry.CheckedToken?

    init(routes: HotRoutes, serverName: String) {
        self.routes = routes
        self.serverName = serverName
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        peer = context.channel.remoteAddress?.ipAddress
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .answering = state {
            queued.append(part)
        } else {
            read(part, context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { passedOn -= 1 }
        context.write(data, promise: promise)
    }

    func read(context: ChannelHandlerContext) {
        if case .answering = state {
            heldRead = true
        } else {
            context.read()
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        stopping = true
        queued.removeAll()
        context.close(mode: mode, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else { return context.fireUserInboundEventTriggered(event) }
        stopping = true
        queued.removeAll()
        if answerIsDue {
            heldQuiesce = event
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Whether a request is with this handler: its answer is ours to write.
    private var answerIsDue: Bool {
        switch state {
        case .reading, .answering: true
        case .idle, .passing, .dropping: false
        }
    }

    private func read(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head) where stopping || !context.channel.isActive:
            state = .dropping
        case (.dropping, .end):
            state = .idle
        case (.reading, .end) where !context.channel.isActive:
            state = .idle
        case (.dropping, _):
            break
        case (.idle, .head(let head)):
            if passedOn == 0, let route = HotRoutes.route(head),
                let credential = routes.credential(head: head, peer: peer, reusing: credential),
                route.audience.admits(credential.principal)
            {
                self.credential = credential
                state = .reading(Request(route: route, head: head, principal: credential.principal))
            } else {
                passOn(head, context: context)
            }
        case (.reading(let request), .body(let bytes)):
            if (request.body?.readableBytes ?? 0) + bytes.readableBytes > PodiumRequestContext.bodyLimit.load(ordering: .relaxed) {
                // The router answers 413 as it does on its own path.
                passOn(request, context: context)
                context.fireChannelRead(wrapInboundOut(.body(bytes)))
            } else {
                request.body.setOrWriteImmutableBuffer(bytes)
            }
        case (.reading(let request), .end):
            state = .answering
            answer(request, context: context)
        case (.passing, .end):
            state = .idle
            context.fireChannelRead(wrapInboundOut(part))
        default:
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    private func passOn(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        passedOn += 1
        state = .passing
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    /// Hands a request read here to the router as it arrived.
    private func passOn(_ request: Request, context: ChannelHandlerContext) {
        passOn(request.head, context: context)
        if let body = request.body { context.fireChannelRead(wrapInboundOut(.body(body))) }
    }

    private func answer(_ request: Request, context: ChannelHandlerContext) {
        switch request.route {
        case let .entry(board, member):
            respond(routes.entry(board: board, member: member), to: request)
        case let .top(board, offset, limit):
            respond(routes.top(board: board, offset: offset, limit: limit), to: request)
        case let .submit(board):
            let outcome = routes.submit(board: board, body: request.body ?? ByteBuffer(), by: request.principal)
            answer(outcome, to: request, context: context) { SubmitResultBody($0) }
        case let .batch(board):
            answer(routes.batch(board: board, body: request.body ?? ByteBuffer()), to: request, context: context) { BatchResponseBody($0) }
        }
    }

    /// Answers a write with `body` of its value once the log has it durably, or with its
    /// problem; a request whose body needs the router's decoder (`outcome` nil) goes on to
    /// the router.
    private func answer<Value>(
        _ outcome: Result<PendingWrite<Value>, Problem>?, to request: Request, context: ChannelHandlerContext,
        body: @escaping @Sendable (Value) -> any JSONWritable
    ) {
        guard let outcome else {
            passOn(request, context: context)
            context.fireChannelRead(wrapInboundOut(.end(nil)))
            state = .idle
            return drainQueue()
        }
        switch outcome {
        case let .failure(problem):
            respond(.problem(problem), to: request)
        case let .success(pending):
            let loop = context.eventLoop
            let bound = NIOLoopBound((handler: self, request: request), eventLoop: loop)
            // At once under `everysec` and `no`; from the log's flusher under `always`.
            pending.whenDurable { durability in
                let acknowledge: @Sendable () -> Void = {
                    let answer: HotAnswer
                    do throws(ServiceError) {
                        answer = .json(body(try pending.acknowledge(durability)))
                    } catch {
                        answer = .problem(Problem(error))
                    }
                    bound.value.handler.respond(answer, to: bound.value.request)
                }
                if loop.inEventLoop { acknowledge() } else { loop.execute(acknowledge) }
            }
        }
    }

    /// Writes `answer` as the router would (its fields, `Date` and `Server` included),
    /// records it in the route metrics, then reads on.
    private func respond(_ answer: HotAnswer, to request: Request) {
        var json = JSONWriter()
        let status: HTTPResponse.Status
        var fields = HTTPHeaders()
        fields.reserveCapacity(5)
        switch answer {
        case let .json(body):
            body.write(to: &json)
            status = .ok
            fields.add(name: "Content-Type", value: "application/json")
        case let .problem(problem):
            problem.body.write(to: &json)
            status = problem.status
            fields.add(name: "Content-Type", value: "application/problem+json")
            for field in problem.headers { fields.add(name: field.name.rawName, value: field.value) }
        }
        fields.add(name: "Content-Length", value: String(json.byteCount))
        fields.add(name: "Date", value: HTTPDate.now)
        fields.add(name: "Server", value: serverName)
        routes.answered.value.add(1, ordering: .relaxed)
        routes.metrics.record(
            route: request.route.metricsName, method: request.route.method, status: status, since: request.started,
            failed: status.code >= 400)
        if let context {
            let head = HTTPResponseHead(
                version: .http1_1, status: HTTPResponseStatus(statusCode: status.code, reasonPhrase: status.reasonPhrase), headers: fields)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(json.withBytes { ByteBuffer(bytes: $0) }))), promise: nil)
            let written = heldQuiesce == nil ? nil : context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            lastAnswer = written?.futureResult
        }
        state = .idle
        drainQueue()
    }

    /// Reads what arrived while an answer was due, until another answer is due; then lets
    /// a held stop through. A loop, not a recursion, however many requests were queued:
    /// an answer given while draining returns here.
    private func drainQueue() {
        guard let context, !draining else { return }
        draining = true
        let read = !queued.isEmpty
        defer {
            draining = false
            // Outside a read from the socket, what was passed on reaches Hummingbird only
            // with the end of a read (its channel buffers parts until then).
            if read { context.fireChannelReadComplete() }
        }
        while let part = queued.popFirst() {
            self.read(part, context: context)
            if case .answering = state { return }
        }
        if heldRead {
            heldRead = false
            context.read()
        }
        if answerIsDue { return }
        if let event = heldQuiesce {
            heldQuiesce = nil
            guard let written = lastAnswer else { return context.fireUserInboundEventTriggered(event) }
            written.assumeIsolated().whenComplete { [self] _ in self.context?.fireUserInboundEventTriggered(event) }
        }
    }
}

@available(*, unavailable)
extension HotRouteHandler: Sendable {}
