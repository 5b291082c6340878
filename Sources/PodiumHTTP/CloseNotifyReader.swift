import NIOCore

/// Lets a TLS connection the server closes end as soon as the peer answers its
/// close_notify, instead of after NIOSSL's `shutdownTimeout` (5 s by default; a peer that
/// never answers is waited for ``TLSFiles/closeNotifyTimeout``).
///
/// NIOSSL closes a connection by sending its close_notify and waiting for the peer's. Two
/// things kept that wait from ever ending early here: the connection reads only when its
/// reader asks (`NIOAsyncChannel` turns auto-read off), and once the server has closed it
/// nothing asks; and with remote half-closure allowed (Hummingbird allows it, for HTTP
/// clients that shut their sending side after a request), NIOSSL takes the peer's
/// close_notify for the end of the peer's input only and goes on waiting. A graceful stop
/// with an idle keep-alive connection open took 5 s, and so did a WebSocket's close.
///
/// On the application's side of the TLS handler, this turns half-closure off when a full
/// close passes (the server is closing both ways: half of it is no use any more), then asks
/// for a read, and for another after each read, until the connection is closed.
final class CloseNotifyReader: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private var closing = false

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Half-closed, the connection's reader still reads what it wants.
        guard mode == .all, !closing else { return context.close(mode: mode, promise: promise) }
        closing = true
        try? context.channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: false)
        context.close(mode: mode, promise: promise)
        context.read()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
        if closing { context.read() }
    }
}

@available(*, unavailable)
extension CloseNotifyReader: Sendable {}
