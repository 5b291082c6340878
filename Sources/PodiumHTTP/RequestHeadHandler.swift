import NIOCore
import NIOHTTP1
import PodiumService

/// Right behind the HTTP/1 decoder: tells the connection's ``RequestTimer`` when a request
/// head and its end arrive and when a response ends, ends the connection for it when a timeout
/// expires, and answers a request head the decoder refused itself, where Hummingbird
/// would only drop the connection: 431 when it is larger than
/// ``ConnectionLimits/maxHeaderBytes``, 400 when it is not HTTP. Either answer ends the
/// connection. A connection error with no request in flight (a reset, a failed TLS
/// handshake) ends the connection quietly.
///
/// A head asking for a WebSocket upgrade is the last HTTP on its connection (it becomes a
/// WebSocket, or is answered and closed), so from it on this handler passes everything
/// on unread: the upgrade removes the decoder, and what reaches this handler after that
/// is WebSocket bytes, not request parts.
final class RequestHeadHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// How long the connection stays open for reading after a 431 or 400 has been sent.
    static let lingerAfterRefusal: TimeAmount = .seconds(2)

    private let timer: RequestTimer
    private let maxHeaderBytes: Int
    /// Set by a WebSocket upgrade request: what follows is not read as HTTP.
    private var passingThrough = false
    /// Set once a 431 or 400 is sent: what follows is read and dropped until the end.
    private var refusedHead = false
    /// The end of the wait after a refusal.
    private var linger: Scheduled<Void>?

    init(timer: RequestTimer, maxHeaderBytes: Int) {
        self.timer = timer
        self.maxHeaderBytes = maxHeaderBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timer.whenExpired { Self.end(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The closure holds the context, which holds this handler, which holds the timer.
        timer.whenExpired(nil)
        linger?.cancel()
        linger = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refusedHead { return }
        if !passingThrough {
            switch unwrapInboundIn(data) {
            case .head(let head) where Self.asksForWebSocket(head):
                passingThrough = true
                timer.upgrading()
            case .head: timer.requestHeadArrived()
            case .body: break
            case .end: timer.requestEnded()
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !passingThrough, !refusedHead, case .end = unwrapOutboundIn(data) { timer.responseEnded() }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if refusedHead, let event = event as? ChannelEvent, event == .inputClosed {
            // The client read the refusal and hung up: nothing left to wait for.
            context.close(promise: nil)
        } else if event is ChannelShouldQuiesceEvent, !passingThrough, !refusedHead, !timer.isAnswering {
            // The server is stopping. Hummingbird closes a connection between requests only
            // once it has had one; without this, one that never sent a request would hold
            // the shutdown until its idle timeout.
            timer.stop()
            Self.end(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if refusedHead {
            // After a refusal the decoder reports every further read as an error: they are
            // the rest of the refused head, dropped on purpose. Anything else ends the wait.
            if case ByteToMessageDecoderError.dataReceivedInErrorState = error { return }
            Self.end(context)
            return
        }
        if passingThrough {
            context.fireErrorCaught(error)
            return
        }
        guard let parserError = error as? HTTPParserError else {
            // Mid-request, the request's handler must hear of it. Between requests, a reset
            // or a failed TLS handshake is the client's business: the connection ends as if
            // the client had hung up, and the log does not get an error line per such client.
            if timer.isAnswering { context.fireErrorCaught(error) } else { Self.end(context) }
            return
        }
        // The decoder reads nothing more after an error: the connection is done either way.
        // Mid-response, an answer of ours would corrupt the one being written.
        guard !timer.isAnswering else {
            Self.end(context)
            return
        }
        refusedHead = true
        timer.stop()
        writeRefusal(parserError, context: context)
        // Closing at once with the rest of the head unread would make the kernel reset the
        // connection, and the client could lose the answer: stop writing, keep reading (and
        // dropping) until the client hangs up, or a while.
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(mode: .output).assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        }
        linger = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerAfterRefusal) { Self.end(context) }
    }

    /// A problem (RFC 9457), as every other error of the API, with `Connection: close`;
    /// all but its end, which the caller writes.
    private func writeRefusal(_ parserError: HTTPParserError, context: ChannelHandlerContext) {
        let problem =
            parserError == .headerOverflow
            ? Problem(
                .init(code: 431, reasonPhrase: "Request Header Fields Too Large"), code: "invalid_request",
                detail: "the request line and headers are larger than \(maxHeaderBytes) bytes")
            : Problem.invalidRequest("malformed HTTP request")
        var json = JSONWriter()
        problem.body.write(to: &json)
        let status = HTTPResponseStatus(statusCode: problem.status.code, reasonPhrase: problem.status.reasonPhrase)
        let headers = HTTPHeaders([
            ("content-type", "application/problem+json"), ("content-length", String(json.byteCount)), ("connection", "close"),
        ])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(json.withBytes { ByteBuffer(bytes: $0) }))), promise: nil)
    }

    /// Ends the connection as a client hanging up would: told first that the input ended,
    /// Hummingbird's upgrade handler, still waiting for a first request head, closes
    /// quietly; closed under it, it would log an error for every such connection.
    private static func end(_ context: ChannelHandlerContext) {
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        context.close(promise: nil)
    }

    /// Whether `head` asks to become a WebSocket (`Upgrade: websocket`, in any case).
    static func asksForWebSocket(_ head: HTTPRequestHead) -> Bool {
        head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
    }
}

@available(*, unavailable)
extension RequestHeadHandler: Sendable {}
