import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// `http-floor --event-loop`: answers the floor's two routes from a channel handler on the
/// connection's event loop, with no request task, no router and no middleware, so that
/// the floor shows what a hot route served below Hummingbird could reach. Every other
/// request goes on to Hummingbird, in order: a request is answered here only when none is
/// waiting there.
final class FloorEventLoopHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

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
            var head = HTTPResponse(status: .ok)
            head.headerFields[.contentType] = "application/json"
            head.headerFields[.contentLength] = String(body.readableBytes)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
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

    private func answer(_ head: HTTPRequest) -> ByteBuffer? {
        switch (head.method, head.path) {
        case (.get, "/floor/entry"): entry
        case (.post, "/floor/submit"): submitResult
        default: nil
        }
    }
}

@available(*, unavailable)
extension FloorEventLoopHandler: Sendable {}
