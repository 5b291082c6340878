import Logging
import NIOCore

/// One connection's idle, header and body timeouts (``ConnectionLimits``): closes the
/// connection when it has had no request in flight and no byte of a new one for
/// `idleTimeout`, when a request began arriving `headerTimeout` ago and its head is
/// still not complete, or when a request's body has had no byte for `idleTimeout`.
///
/// It lives on the connection's event loop and is told what happens by two handlers:
/// ``InboundBytesHandler``, first in the pipeline, when bytes arrive (TLS records
/// included, so a stalled handshake counts as a stalled head), and ``RequestHeadHandler``,
/// behind the HTTP decoder, when a request head and its end arrive and when a response
/// ends. Hummingbird's own idle timeout is not used: with the WebSocket upgrade it only
/// starts after the first request head, which is exactly what a slowloris client never
/// completes, and it does not see the requests ``HotRouteHandler`` answers before it.
final class RequestTimer {
    /// Where the connection is between requests.
    enum Phase: Equatable {
        /// No timer yet: the connection is not active.
        case notStarted
        /// No request in flight and no byte of a new one: the idle timeout runs.
        case idle
        /// A request has begun arriving, its head is not complete: the header timeout runs,
        /// from the first byte, whatever arrives after it.
        case readingHead
        /// This many requests have their head in and their response not ended, and the
        /// last one's body is still arriving: the idle timeout runs from its last byte.
        /// (Zero requests: that one was answered before its body ended.)
        case receivingBody(Int)
        /// This many requests have their head in and their response not ended, every body
        /// in: nothing runs. An event stream stays here for as long as it is open.
        case inFlight(Int)
        /// The connection became a WebSocket, whose pings find dead peers: nothing runs.
        case upgraded
        /// The connection closed.
        case closed
    }

    private(set) var phase = Phase.notStarted
    private let idleTimeout: TimeAmount
    private let headerTimeout: TimeAmount
    private let channel: any Channel
    private let logger: Logger
    /// When the running timeout expires (meaningful in `.idle` and `.readingHead` only).
    private var deadline = NIODeadline.distantFuture
    /// The one deadline check scheduled on the loop, if any.
    private var pendingCheck: Scheduled<Void>?
    /// Ends the connection when a timeout expires; the channel is just closed when unset.
    private var endConnection: (() -> Void)?

    /// Must be made on `channel`'s event loop, and used only there.
    init(limits: ConnectionLimits, channel: any Channel, logger: Logger) {
        self.idleTimeout = TimeAmount(limits.idleTimeout)
        self.headerTimeout = TimeAmount(limits.headerTimeout)
        self.channel = channel
        self.logger = logger
    }

    /// How to end the connection when a timeout expires (nil: close the channel).
    func whenExpired(_ end: (() -> Void)?) {
        endConnection = end
    }

    /// The connection is active: the idle timeout starts. Once only.
    func start() {
        guard phase == .notStarted else { return }
        enter(.idle)
    }

    /// Bytes arrived: when idle, a request has begun, and its head has `headerTimeout`;
    /// while a body arrives, it has `idleTimeout` more.
    func bytesArrived() {
        switch phase {
        case .idle: enter(.readingHead)
        case .receivingBody: deadline = channel.eventLoop.now + idleTimeout
        case .notStarted, .readingHead, .inFlight, .upgraded, .closed: break
        }
    }

    /// A request head arrived (pipelined requests each count); its body, if any, follows.
    func requestHeadArrived() {
        switch phase {
        case .inFlight(let requests), .receivingBody(let requests): enter(.receivingBody(requests + 1))
        case .notStarted, .idle, .readingHead: enter(.receivingBody(1))
        case .upgraded, .closed: break
        }
    }

    /// A request's end arrived: its body is in.
    func requestEnded() {
        guard case .receivingBody(let requests) = phase else { return }
        enter(requests > 0 ? .inFlight(requests) : .idle)
    }

    /// A response ended: once every request has its answer, the connection is idle.
    func responseEnded() {
        switch phase {
        case .inFlight(let requests): enter(requests > 1 ? .inFlight(requests - 1) : .idle)
        case .receivingBody(let requests): phase = .receivingBody(max(requests - 1, 0))
        case .notStarted, .idle, .readingHead, .upgraded, .closed: break
        }
    }

    /// The connection is becoming a WebSocket: no timeout from here on.
    func upgrading() {
        if phase != .closed { enter(.upgraded) }
    }

    /// The connection closed, or is being ended otherwise: nothing more runs.
    func stop() {
        enter(.closed)
        endConnection = nil
    }

    /// Whether a request's response has begun or may begin: an answer of our own (a 431
    /// for a head too large) may be written only when it has not.
    var isAnswering: Bool {
        switch phase {
        case .inFlight, .receivingBody: true
        case .notStarted, .idle, .readingHead, .upgraded, .closed: false
        }
    }

    /// Moves to `next`; entering a timed phase sets its deadline. O(1), and schedules
    /// nothing while a check is pending: every request moves through three phases, and
    /// cancelling and scheduling a task on each move cost podiumd 5% of its CPU on a
    /// submit (perf, BENCHMARKS.md). The pending check runs at most `shortestTimeout`
    /// after it was scheduled, so no deadline set later can come before it; when it runs
    /// early it schedules the next one for the deadline.
    private func enter(_ next: Phase) {
        let previous = phase
        phase = next
        // The header timeout runs from a request's first byte: more bytes do not extend it.
        if previous == next { return }
        switch next {
        case .idle, .receivingBody: deadline = channel.eventLoop.now + idleTimeout
        case .readingHead: deadline = channel.eventLoop.now + headerTimeout
        case .notStarted, .inFlight, .upgraded:
            deadline = .distantFuture
            return
        case .closed:
            deadline = .distantFuture
            pendingCheck?.cancel()
            pendingCheck = nil
            return
        }
        if pendingCheck == nil { scheduleCheck() }
    }

    private var shortestTimeout: TimeAmount { min(idleTimeout, headerTimeout) }

    private func scheduleCheck() {
        pendingCheck = channel.eventLoop.assumeIsolated().scheduleTask(deadline: min(deadline, channel.eventLoop.now + shortestTimeout)) {
            [self] in checkDeadline()
        }
    }

    private func checkDeadline() {
        pendingCheck = nil
        switch phase {
        case .idle, .readingHead, .receivingBody: break
        case .notStarted, .inFlight, .upgraded, .closed: return
        }
        guard deadline <= channel.eventLoop.now else {
            scheduleCheck()
            return
        }
        let reason =
            switch phase {
            case .receivingBody: "no byte of a request body for \(idleTimeout.wholeSeconds) s"
            case .readingHead: "no complete request head within \(headerTimeout.wholeSeconds) s"
            default: "idle for \(idleTimeout.wholeSeconds) s"
            }
        logger.debug("closing a connection: \(reason)", metadata: ["peer": "\(channel.remoteAddress?.description ?? "unknown")"])
        enter(.closed)
        if let endConnection { endConnection() } else { channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension RequestTimer: Sendable {}

extension TimeAmount {
    /// Whole seconds, for log lines.
    fileprivate var wholeSeconds: Int64 { nanoseconds / 1_000_000_000 }
}

/// First in a connection's pipeline: starts the ``RequestTimer`` when the connection is
/// active, tells it when bytes arrive, and stops it when the connection closes. It
/// passes everything on untouched, whatever the bytes are (TLS records, HTTP, WebSocket
/// frames).
final class InboundBytesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timer: RequestTimer

    init(timer: RequestTimer) {
        self.timer = timer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Added to a connection that is already active: channelActive will not come.
        if context.channel.isActive { timer.start() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer.stop()
    }

    func channelActive(context: ChannelHandlerContext) {
        timer.start()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer.stop()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timer.bytesArrived()
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension InboundBytesHandler: Sendable {}
