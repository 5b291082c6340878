import NIOCore
import NIOHTTPTypesHTTP1

/// Where Hummingbird puts a server's own handlers (after its conversion of HTTP/1 parts
/// to HTTPTypes, which cost the hot routes a sixth of their CPU: BENCHMARKS.md), this
/// puts `handler`, which reads and writes NIO's HTTP/1 parts, ahead of that conversion
/// and leaves. Hummingbird builds that part of the pipeline once it knows
/// the connection is not a WebSocket upgrade, before it hands on the first request, so
/// `handler` sees every request of the connection. What podiumd's hot routes and the
/// benchmark's event-loop floor are placed with.
public final class AheadOfHTTPTypes: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = Any

    private let handler: any ChannelHandler

    public init(_ handler: any ChannelHandler) {
        self.handler = handler
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        // Without the conversion (a pipeline of another shape) `handler` stays out.
        if let conversion = try? pipeline.context(handlerType: HTTP1ToHTTPServerCodec.self) {
            try? pipeline.addHandler(handler, position: .before(conversion.handler))
        }
        pipeline.removeHandler(context: context, promise: nil)
    }
}

@available(*, unavailable)
extension AheadOfHTTPTypes: Sendable {}
