import NIOCore
import NIOHTTP1

/// `http-floor --event-loop`: answers the floor's two routes from a channel handler on the
/// connection's event loop, placed as podiumd's hot routes are (ahead of the conversion to
/// HTTPTypes), with no request task, no router and no middleware, so that the floor shows
/// what a hot route served below Hummingbird could reach. Every other
/// request goes on to Hummingbird, in order: a request is answered here only when none is
/// waiting there.
final class FloorEventLoopHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// Reading the body of a request this handler answers.
        case answering(ByteBuffer)
        /// Passing a request's parts on to Hummingbird.
        case passing
    }

    private let entry: ByteBuffer
    private let submitResult: ByteBuffer
    private var state = State.idle
    /// Requests passed on whose answer has not been written yet.
    private var passedOn = 0

    init(entry: ByteBuffer, submitResult: ByteBuffer) {
        self.entry = entry
        self.submitResult = submitResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.idle, .head(let head)):
            if passedOn == 0, let body = answer(head) {
                state = .answering(body)
            } else {
                passedOn += 1
                state = .passing
                context.fireChannelRead(data)
            }
        case (.answering, .body):
            break
        case (.answering(let body), .end):
            state = .idle
            let head = HTTPResponseHead(
                version: .http1_1, status: .ok,
                headers: ["Content-Type": "application/json", "Content-Length": String(body.readableBytes)])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case (.passing, .end):
            state = .idle
            context.fireChannelRead(data)
        default:
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { passedOn -= 1 }
        context.write(data, promise: promise)
    }

    private func answer(_ head: HTTPRequestHead) -> ByteBuffer? {
        switch (head.method, head.uri) {
        case (.GET, "/floor/entry"): entry
        case (.POST, "/floor/submit"): submitResult
        default: nil
        }
    }
}

@available(*, unavailable)
extension FloorEventLoopHandler: Sendable {}
