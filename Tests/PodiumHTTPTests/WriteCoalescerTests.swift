import NIOCore
import NIOEmbedded
import Testing

@testable import PodiumHTTP

/// The writes between two flushes leave as one buffer (one TLS record), in order, with
/// every write's promise kept; what cannot be joined goes on as it came.
struct WriteCoalescerTests {
    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WriteCoalescer())
        return channel
    }

    private func outbound(_ channel: EmbeddedChannel) throws -> [String] {
        var written: [String] = []
        while let data = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let bytes) = data else {
                written.append("file region")
                continue
            }
            written.append(String(buffer: bytes))
        }
        return written
    }

    @Test func writesBetweenFlushesLeaveAsOneWithEveryPromiseKept() throws {
        let channel = try self.channel()
        let head = channel.eventLoop.makePromise(of: Void.self), end = channel.eventLoop.makePromise(of: Void.self)
        channel.write(IOData.byteBuffer(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n")), promise: head)
        channel.write(IOData.byteBuffer(ByteBuffer(string: #"{"rank":1}"#)), promise: nil)
        channel.write(IOData.byteBuffer(ByteBuffer()), promise: end)
        #expect(try outbound(channel).isEmpty, "nothing leaves before the flush")
        channel.flush()
        #expect(try outbound(channel) == ["HTTP/1.1 200 OK\r\n\r\n" + #"{"rank":1}"#])
        var completed = 0
        head.futureResult.whenSuccess { completed += 1 }
        end.futureResult.whenSuccess { completed += 1 }
        #expect(completed == 2)

        // The next answer is a buffer of its own.
        channel.writeAndFlush(IOData.byteBuffer(ByteBuffer(string: "next")), promise: nil)
        #expect(try outbound(channel) == ["next"])
        _ = try channel.finish()
    }

    @Test func whatCannotBeJoinedGoesOnInOrder() throws {
        let channel = try self.channel()
        let large = String(repeating: "x", count: WriteCoalescer.limit)
        channel.write(IOData.byteBuffer(ByteBuffer(string: "a")), promise: nil)
        channel.write(IOData.byteBuffer(ByteBuffer(string: large)), promise: nil)
        channel.write(IOData.byteBuffer(ByteBuffer(string: "b")), promise: nil)
        channel.flush()
        #expect(try outbound(channel) == ["a", large, "b"], "a record's worth at most")
        _ = try channel.finish()
    }

    /// A close with writes still held ends them as it ends unflushed writes without it.
    @Test func aCloseEndsHeldWritesAsItEndsUnflushedOnes() throws {
        var outcomes: [String] = []
        for coalescing in [false, true] {
            let channel = coalescing ? try self.channel() : EmbeddedChannel()
            let held = channel.eventLoop.makePromise(of: Void.self)
            channel.write(IOData.byteBuffer(ByteBuffer(string: "never flushed")), promise: held)
            var outcome = "pending"
            held.futureResult.whenComplete { outcome = (try? $0.get()) == nil ? "failed" : "written" }
            channel.close(promise: nil)
            channel.embeddedEventLoop.run()
            outcomes.append(outcome)
            if outcome == "pending" { held.fail(ChannelError.ioOnClosedChannel) }
        }
        #expect(outcomes[1] == outcomes[0], "\(outcomes)")
    }
}
