import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import PodiumHTTP

/// The frames the event writer encodes itself are byte for byte what NIO's frame encoder
/// writes, at every length form (7-bit, 16-bit, 64-bit) and at their edges.
struct WebSocketFrameTests {
    @Test(arguments: [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
    func textFramesAreWhatTheFrameEncoderWrites(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: payload)))
        var encoded = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { encoded.writeBuffer(&part) }
        #expect(WebSocketEventWriter.textFrame(payload, allocator: channel.allocator) == encoded)
        _ = try channel.finish()
    }
}
