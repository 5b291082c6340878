import NIOCore

/// Joins a connection's small writes between two flushes into one, just before TLS: an
/// answer's head and body (the HTTP encoder writes them apart) then leave as one TLS
/// record, sealed once, instead of two. Writes are not sent before a flush anyway, so
/// holding them until then changes nothing a peer sees but the record count; their order
/// and their promises are kept. A write that would take the held bytes past a TLS
/// record's 16 KiB, or that is not a buffer, lets the held bytes go first and goes on as
/// it is.
final class WriteCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// The most bytes held: one TLS record's plaintext.
    static let limit = 16 * 1024

    private var held: ByteBuffer?
    /// Completed once the held bytes are written: the held writes' promises, chained.
    private var heldPromise: EventLoopPromise<Void>?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(var bytes) = unwrapOutboundIn(data), (held?.readableBytes ?? 0) + bytes.readableBytes <= Self.limit
        else {
            release(context: context)
            return context.write(data, promise: promise)
        }
        if held == nil {
            held = bytes
        } else {
            held?.writeBuffer(&bytes)
        }
        if let promise {
            if let heldPromise {
                heldPromise.futureResult.cascade(to: promise)
            } else {
                heldPromise = promise
            }
        }
    }

    func flush(context: ChannelHandlerContext) {
        release(context: context)
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Handed on unflushed: the close fails them there, as it would have without this.
        release(context: context)
        context.close(mode: mode, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release(context: context)
    }

    /// Writes the held bytes on, unflushed.
    private func release(context: ChannelHandlerContext) {
        guard let bytes = held else { return }
        let promise = heldPromise
        held = nil
        heldPromise = nil
        context.write(wrapOutboundOut(.byteBuffer(bytes)), promise: promise)
    }
}

@available(*, unavailable)
extension WriteCoalescer: Sendable {}
