import NIOCore
import NIOWebSocket
import PodiumService
import Synchronization

/// Writes a subscription's messages to its WebSocket from the connection's event loop, as
/// they are published: no task woken and no hop through the WebSocket library's writer per
/// message, which is what a fan-out of thousands of subscribers spent most of its time on.
///
/// Each message goes in as a frame already encoded (header and payload in one buffer), past
/// the library's frame encoder, which would make a frame value and a second buffer for the
/// header per message. The messages waiting go out as one batch with one flush (one TLS
/// record, one `write(2)`). Once the connection is backed up (past NIO's write-buffer high
/// watermark) the next batch waits until the last one reached the socket, so a reader that
/// does not keep up leaves its messages in its bounded queue, where `lagged` and the
/// too-slow close apply, not in NIO's unbounded write buffer. Pings and the close frame
/// still go through the library's writer, on the same event loop, after what was written
/// here.
final class WebSocketEventWriter: Sendable {
    private struct LoopState {
        /// A batch written to a backed-up connection is on its way to the socket.
        var writing = false
        var finished = false
        /// Where encoded frames go in: the WebSocket frame encoder's place in the pipeline
        /// (what it writes goes on to TLS from there). Found at the first batch.
        var framesEnter: ChannelHandlerContext?
    }

    private let channel: any Channel
    private let subscription: EventSubscription
    /// A drain is scheduled on the event loop and has not started: pushes in between need
    /// no other.
    private let scheduled = Atomic(false)
    private let loop: NIOLoopBoundBox<LoopState>
    private let ended: EventLoopPromise<Void>

    /// Most messages written in one batch.
    static let messagesPerWrite = 256

    init(channel: any Channel, subscription: EventSubscription) {
        self.channel = channel
        self.subscription = subscription
        // Made off the event loop (the route's task); used on it only.
        loop = NIOLoopBoundBox.makeBoxSendingValue(LoopState(), as: LoopState.self, eventLoop: channel.eventLoop)
        ended = channel.eventLoop.makePromise(of: Void.self)
    }

    /// Writes until the stream ends: the board is dropped, the subscriber is too slow, or
    /// the subscription is cancelled (the route does it when the connection's inbound side
    /// ends or the server shuts down; a failed write waited on does it here).
    func run() async {
        // Weak: the subscription holds this closure, and the caller holds this writer.
        subscription.onReady { [weak self] in self?.wake() }
        try? await ended.futureResult.get()
    }

    /// Called from the publishing thread: schedules a drain unless one is already pending.
    private func wake() {
        guard !scheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        channel.eventLoop.execute { self.drain() }
    }

    /// On the event loop: writes what is waiting, a batch at a time, until nothing is, or
    /// the connection is backed up (the last batch's completion drains again); finishes
    /// once the stream ended. Waits for nothing while a batch written to a backed-up
    /// connection is on its way, unless the stream ended.
    private func drain() {
        scheduled.store(false, ordering: .sequentiallyConsistent)
        guard !loop.value.finished else { return }
        // A closed stream is not held up by a reader that stopped reading.
        if loop.value.writing, subscription.closeReason == nil { return }
        while let messages = subscription.take(upTo: Self.messagesPerWrite) {
            guard let last = messages.indices.last else { return }
            guard let framesEnter = loop.value.framesEnter ?? (try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)) else {
                // No encoder: the connection is being torn down.
                subscription.cancel()
                return
            }
            loop.value.framesEnter = framesEnter
            // A connection that keeps up is not waited on; one past NIO's high watermark
            // gets this batch, then nothing more until it has gone.
            let written = channel.isWritable ? nil : channel.eventLoop.makePromise(of: Void.self)
            for (index, message) in messages.enumerated() {
                framesEnter.write(NIOAny(Self.textFrame(message.json, allocator: channel.allocator)), promise: index == last ? written : nil)
            }
            framesEnter.flush()
            guard let written else { continue }
            loop.value.writing = true
            written.futureResult.whenComplete { result in
                self.loop.value.writing = false
                switch result {
                case .success: self.drain()
                case .failure: self.subscription.cancel()
                }
            }
            return
        }
        loop.value.finished = true
        ended.succeed()
    }
}

extension WebSocketEventWriter {
    /// `payload` as one final, unmasked text frame (RFC 6455 section 5.2: a server's frames
    /// are not masked), header and payload in one buffer: the bytes the frame encoder writes.
    static func textFrame(_ payload: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: payload.count + 10)
        buffer.writeInteger(0x80 | UInt8(webSocketOpcode: .text))  // FIN, then the opcode
        switch payload.count {
        case ..<126:
            buffer.writeInteger(UInt8(payload.count))
        case ...Int(UInt16.max):
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(payload.count))
        default:
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(payload.count))
        }
        buffer.writeBytes(payload)
        return buffer
    }
}
