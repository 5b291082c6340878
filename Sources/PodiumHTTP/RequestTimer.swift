import Logging
import NIOCore

/// One connection's idle and header timeouts (``ConnectionLimits``): closes the
/// connection when it has had no request in flight and no byte of a new one for
/// `idleTimeout`, or when a request began arriving `headerTimeout` ago and its head is
/// still not complete.
///
/// It lives on the connection's event loop and is told what happens by two handlers:
/// ``InboundBytesHandler``, first in the pipeline, when bytes arrive (TLS records
/// included, so a stalled handshake counts as a stalled head), and ``RequestHeadHandler``,
/// behind the HTTP decoder, when a request head arrives and when a response ends.
/// Hummingbird's own idle timeout is not enough alone: with the WebSocket upgrade it
/// only starts after the first request head, which is exactly what a slowloris client
/// never completes.
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
        /// This many requests have their head in and their response not ended: nothing
        /// runs. An event stream stays here for as long as it is open.
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
    private var timeout: Scheduled<Void>?
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

    /// Bytes arrived: when idle, a request has begun, and its head has `headerTimeout`.
    func bytesArrived() {
        if phase == .idle { enter(.readingHead) }
    }

    /// A request head arrived (pipelined requests each count).
    func requestHeadArrived() {
        switch phase {
        case .inFlight(let requests): enter(.inFlight(requests + 1))
        case .notStarted, .idle, .readingHead: enter(.inFlight(1))
        case .upgraded, .closed: break
        }
    }

    /// A response ended: once every request has its answer, the connection is idle.
    func responseEnded() {
        guard case .inFlight(let requests) = phase else { return }
        enter(requests > 1 ? .inFlight(requests - 1) : .idle)
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
        if case .inFlight = phase { return true }
        return false
    }

    private func enter(_ next: Phase) {
        let previous = phase
        phase = next
        // The header timeout runs from a request's first byte: more bytes do not extend it.
        if previous == next { return }
        timeout?.cancel()
        timeout = nil
        let delay: TimeAmount
        switch next {
        case .idle: delay = idleTimeout
        case .readingHead: delay = headerTimeout
        case .notStarted, .inFlight, .upgraded, .closed: return
        }
        timeout = channel.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in expired(in: next) }
    }

    private func expired(in timedPhase: Phase) {
        // A timeout cancelled on the loop never runs; this guards the case where one was
        // already running when its phase ended.
        guard phase == timedPhase else { return }
        timeout = nil
        let reason = phase == .idle ? "idle for \(idleTimeout.wholeSeconds) s" : "no complete request head within \(headerTimeout.wholeSeconds) s"
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
