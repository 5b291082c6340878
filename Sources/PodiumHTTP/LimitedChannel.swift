import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A server's connections with ``ConnectionLimits`` applied: `base` sets each connection
/// up (TLS, HTTP/1 with the WebSocket upgrade) as before, and this adds the cap on open
/// connections, the idle and header timeouts (``RequestTimer``), the answer to a head
/// too large (``RequestHeadHandler``) and, over TLS, a close that reads the peer's
/// close_notify (``CloseNotifyReader``). The head size limit itself is the HTTP decoder's,
/// set where `base` is made (``ServerSetup``).
struct LimitedChannel<Base: ServerChildChannel>: ServerChildChannel {
    /// A connection served by `base`, or one closed at once for the cap.
    enum Value: ServerChildChannelValue {
        case served(Base.Value)
        case refused(any Channel)

        var channel: any Channel {
            switch self {
            case .served(let value): value.channel
            case .refused(let channel): channel
            }
        }
    }

    let base: Base
    let limits: ConnectionLimits
    let cap: ConnectionCap

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard cap.admit() else {
            cap.noteRefused(logger: logger)
            return channel.eventLoop.makeCompletedFuture {
                // Closed once active, not here: the channel is not registered yet, and a
                // failed setup would be reported to the server channel as its own error.
                try channel.pipeline.syncOperations.addHandler(CloseOnActiveHandler())
                return .refused(channel)
            }
        }
        channel.closeFuture.whenComplete { [cap] _ in cap.release() }
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let timer = RequestTimer(limits: limits, channel: channel, logger: logger)
            let pipeline = channel.pipeline.syncOperations
            // First: it must see the TLS handshake's bytes too.
            try pipeline.addHandler(InboundBytesHandler(timer: timer), position: .first)
            if let tls = try? pipeline.handler(type: NIOSSLServerHandler.self) {
                try pipeline.addHandler(CloseNotifyReader(), position: .after(tls))
            }
            // Behind the decoder, where request parts come out of bytes; `base` put it there.
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(RequestHeadHandler(timer: timer, maxHeaderBytes: limits.maxHeaderBytes), position: .after(decoder))
            // On the socket's side of the HTTP encoder: what it writes apart leaves as one.
            try pipeline.addHandler(WriteCoalescer(), position: .before(try pipeline.handler(type: HTTPResponseEncoder.self)))
            return .served(value)
        }
    }

    func handle(value: Value, logger: Logger) async {
        guard case .served(let served) = value else { return }
        await base.handle(value: served, logger: logger)
    }
}

/// Closes a connection refused for the cap as soon as it is active.
private final class CloseOnActiveHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { context.close(promise: nil) }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension CloseOnActiveHandler: Sendable {}
