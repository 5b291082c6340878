import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import PodiumHTTP

/// The idle and header timeouts, and the answer to a head too large, on an embedded
/// channel whose clock the test moves: every phase of a connection, to the nanosecond.
@Suite struct RequestTimerTests {
    static let limits = ConnectionLimits(idleTimeout: .seconds(60), headerTimeout: .seconds(10), maxHeaderBytes: 1024)

    /// An active connection with the handlers ``LimitedChannel`` adds, around NIO's HTTP/1
    /// server codec.
    static func connection() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let timer = RequestTimer(limits: limits, channel: channel, logger: Logger(label: "test"))
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(InboundBytesHandler(timer: timer))
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes
        decoderLimits.maxHeaderListSize = limits.maxHeaderBytes
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false, withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: decoderLimits)
        let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try pipeline.addHandler(RequestHeadHandler(timer: timer, maxHeaderBytes: limits.maxHeaderBytes), position: .after(decoder))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    static func send(_ text: String, to channel: EmbeddedChannel) throws {
        try channel.writeInbound(ByteBuffer(string: text))
    }

    static func respond(on channel: EmbeddedChannel) throws {
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
    }

    static func wait(_ seconds: Int64, on channel: EmbeddedChannel) {
        channel.embeddedEventLoop.advanceTime(by: .seconds(seconds))
    }

    @Test func aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws {
        let channel = try Self.connection()
        Self.wait(59, on: channel)
        #expect(channel.isActive)
        Self.wait(1, on: channel)
        #expect(!channel.isActive)
    }

    @Test func aHeadMustBeCompleteWithinTheHeaderTimeoutOfItsFirstByteWhateverElseArrives() throws {
        let channel = try Self.connection()
        Self.wait(30, on: channel)
        try Self.send("POST /v1/boards/x/scores HTTP/1.1\r\n", to: channel)
        Self.wait(5, on: channel)
        // More bytes do not buy more time.
        try Self.send("Host: a\r\n", to: channel)
        Self.wait(4, on: channel)
        #expect(channel.isActive)
        Self.wait(1, on: channel)
        #expect(!channel.isActive)
    }

    @Test func aRequestInFlightIsNeverIdleAndTheConnectionIsIdleAfterItsResponse() throws {
        let channel = try Self.connection()
        try Self.send("GET /v1/boards/x/events HTTP/1.1\r\nHost: a\r\n\r\n", to: channel)
        // An event stream: its response goes on for as long as it likes.
        Self.wait(3600, on: channel)
        #expect(channel.isActive)
        try Self.respond(on: channel)
        Self.wait(59, on: channel)
        #expect(channel.isActive)
        Self.wait(1, on: channel)
        #expect(!channel.isActive)
    }

    @Test func aBodyThatStopsArrivingEndsTheConnectionTheIdleTimeoutAfterItsLastByte() throws {
        let channel = try Self.connection()
        try Self.send("POST /v1/boards/x/scores HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345", to: channel)
        Self.wait(59, on: channel)
        #expect(channel.isActive)
        // Each byte buys the idle timeout again.
        try Self.send("67", to: channel)
        Self.wait(59, on: channel)
        #expect(channel.isActive)
        Self.wait(1, on: channel)
        #expect(!channel.isActive)
    }

    @Test func aRequestWhoseBodyIsInWaitsForItsAnswerForAsLongAsItTakes() throws {
        let channel = try Self.connection()
        try Self.send("POST /v1/boards/x/scores HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n1234567890", to: channel)
        Self.wait(3600, on: channel)
        #expect(channel.isActive)
        try Self.respond(on: channel)
        Self.wait(60, on: channel)
        #expect(!channel.isActive)
    }

    @Test func theNextRequestOnAKeptAliveConnectionHasTheHeaderTimeoutFromItsFirstByte() throws {
        let channel = try Self.connection()
        try Self.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n", to: channel)
        try Self.respond(on: channel)
        Self.wait(50, on: channel)
        try Self.send("GET /heal", to: channel)
        Self.wait(9, on: channel)
        #expect(channel.isActive)
        Self.wait(1, on: channel)
        #expect(!channel.isActive)
    }

    @Test func pipelinedRequestsAreInFlightUntilTheLastResponseEnds() throws {
        let channel = try Self.connection()
        try Self.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n", to: channel)
        try Self.respond(on: channel)
        Self.wait(600, on: channel)
        #expect(channel.isActive)
        try Self.respond(on: channel)
        Self.wait(60, on: channel)
        #expect(!channel.isActive)
    }

    @Test func aWebSocketUpgradeStopsTheTimers() throws {
        let channel = try Self.connection()
        try Self.send("GET /v1/boards/x/events HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n\r\n", to: channel)
        Self.wait(3600, on: channel)
        #expect(channel.isActive)
    }

    @Test func aHeadLargerThanTheLimitGets431AndTheConnectionEnds() throws {
        let channel = try Self.connection()
        try? Self.send("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Padding: \(String(repeating: "p", count: 2000))\r\n\r\n", to: channel)
        var answer = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = part { answer += String(buffer: buffer) }
        }
        #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "\(answer)")
        #expect(answer.contains("connection: close") && answer.contains(#""status":431"#), "\(answer)")
        Self.wait(Int64(RequestHeadHandler.lingerAfterRefusal.nanoseconds / 1_000_000_000), on: channel)
        #expect(!channel.isActive)
    }

    @Test func aRequestLineThatIsNotHTTPGets400() throws {
        let channel = try Self.connection()
        try? Self.send("NOT HTTP AT ALL\u{0}\r\n\r\n", to: channel)
        var answer = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = part { answer += String(buffer: buffer) }
        }
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(answer)")
    }
}
