import NIOCore

/// One command on its way, and where its reply goes (`nil`: a command answered by push
/// messages only, as `SUBSCRIBE` is in RESP3).
struct RESPRequest: Sendable {
    var command: RESPCommand
    var reply: EventLoopPromise<RESPValue>?
}

/// Pairs replies with commands in order (RESP answers in the order asked, so many commands
/// may be in flight on one connection: pipelining). Replies, error replies included, complete
/// their command's promise; push messages (RESP3 `>`, and on RESP2 anything nobody waits
/// for on a subscribed connection) are not replies: they go to `onPush`, or are dropped.
/// A protocol violation, a timeout or the connection's end fails every command waiting,
/// and closes the connection: after any of them, no later reply could be trusted to match.
final class RESPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private let parser: RESPParser
    private let timeout: TimeAmount
    private var received: ByteBuffer?
    /// Commands sent and not answered yet, oldest first, each with its deadline's task.
    private var waiting: CircularBuffer<(reply: EventLoopPromise<RESPValue>, deadline: Scheduled<Void>?)> = []
    private var failure: RESPError?
    private let onPush: (@Sendable (RESPValue) -> Void)?

    init(parser: RESPParser, timeout: TimeAmount, onPush: (@Sendable (RESPValue) -> Void)? = nil) {
        self.parser = parser
        self.timeout = timeout
        self.onPush = onPush
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.reply?.fail(failure)
            promise?.fail(failure)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        request.command.encode(into: &buffer)
        guard let reply = request.reply else {
            context.write(wrapOutboundOut(buffer), promise: promise)
            return
        }
        // The task runs on this event loop, where the handler and its context live.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let deadline = timeout == .zero ? nil : context.eventLoop.scheduleTask(in: timeout) {
            bound.value.handler.fail(.timedOut, context: bound.value.context)
        }
        waiting.append((reply: reply, deadline: deadline))
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if received == nil {
            received = bytes
        } else {
            received!.writeBuffer(&bytes)
        }
        do {
            while var buffer = received, let value = try parser.parse(&buffer) {
                received = buffer.readableBytes == 0 ? nil : buffer
                if case .push = value {
                    onPush?(value)
                    continue
                }
                guard let next = waiting.popFirst() else {
                    guard let onPush else { throw RESPError.protocolViolation("a reply nobody asked for") }
                    onPush(value)
                    continue
                }
                next.deadline?.cancel()
                next.reply.succeed(value)
            }
            received?.discardReadBytes()
        } catch {
            fail(error as? RESPError ?? .protocolViolation("\(error)"), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(failure ?? .connectionClosed("the server closed the connection"), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.connectionClosed("\(error)"), context: context)
    }

    /// Fails every waiting command and closes: nothing after this can be answered.
    private func fail(_ error: RESPError, context: ChannelHandlerContext) {
        if failure == nil { failure = error }
        // Closed before the waiters hear of it: one that wakes and looks finds the
        // connection closed (the close comes back here, through channelInactive, with
        // the same failure).
        if context.channel.isActive { context.close(promise: nil) }
        while let next = waiting.popFirst() {
            next.deadline?.cancel()
            next.reply.fail(failure ?? error)
        }
    }
}
