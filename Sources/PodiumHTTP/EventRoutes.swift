import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import PodiumService
import ServiceLifecycle

/// `GET /v1/boards/{board}/events`: a board's changes as they are acknowledged, over a
/// WebSocket (an upgrade request; each text message one event) or Server-Sent Events
/// (anything else, `curl -N` included: `id:` is the seq, `Last-Event-ID` resumes).
///
/// Query: `top=N`, `members=a,b` (each percent-encoded; a literal comma is `%2C`),
/// `since=SEQ` (the first event sent is SEQ+1, from the board's history). A stream ends
/// after a `board_dropped` event; one whose subscriber stays behind is closed (WebSocket
/// 1008; SSE ends); server shutdown closes them all (WebSocket 1000, SSE ends).
struct EventRoutes {
    let registry: any BoardStore
    /// How long a quiet stream waits before a keepalive (an SSE comment; WebSockets ping
    /// on their own).
    let keepalive: Duration

    static let path: RouterPath = "boards/:board/events"

    /// The SSE route, on the router every other route is on.
    func register(on group: some RouterMethods<PodiumRequestContext>) {
        group.get(Self.path) { request, context in
            // An upgrade the WebSocket router refused falls through to here: its reason was
            // answered by the checks both share (token, board, query), or it is this one.
            guard request.headers[.upgrade] == nil else {
                throw Problem.invalidRequest("WebSocket upgrade refused; send Upgrade: websocket with Connection: Upgrade, or use SSE")
            }
            let subscription = try await subscribe(request, context, resumeHeader: true)
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: ResponseBody { writer in
                    // How long a browser's EventSource waits before it reconnects (with Last-Event-ID).
                    try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                    // Messages that are waiting go out in one write (one TLS record, one syscall).
                    try await stream(subscription, keepalive: keepalive) {
                        while let messages = await subscription.next(upTo: Self.messagesPerWrite) {
                            var buffer = ByteBuffer()
                            for message in messages { buffer.writeBytes(Self.serverSentEvent(message)) }
                            try await writer.write(buffer)
                        }
                    }
                    try await writer.finish(nil)
                })
        }
    }

    /// The WebSocket route, on the router the upgrade handler consults.
    func registerWebSocket(on group: some RouterMethods<PodiumWebSocketContext>) {
        group.ws(Self.path) { request, context in
            // Refuse here what would fail after the upgrade, so the client gets an HTTP answer.
            _ = try await registry.board(named: context.parameters.decoded("board"))
            _ = try EventQuery(request, resumeHeader: false)
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let subscription = try await subscribe(context.request, context.requestContext, resumeHeader: false)
            // The client's close (or a dead connection, found by the automatic pings) ends
            // the inbound side, and with it the stream.
            let reader = Task {
                for try await _ in inbound {}
                subscription.cancel()
            }
            defer { reader.cancel() }
            // No keepalive here: the WebSocket pings on its own. Written from the event loop.
            let writer = WebSocketEventWriter(channel: context.requestContext.channel, subscription: subscription)
            try await stream(subscription, keepalive: nil) { await writer.run() }
            switch subscription.closeReason {
            case "too_slow":
                // A reader this far behind may not read the close frame either (it waits
                // behind what the socket holds): the connection goes in 5 s regardless.
                let channel = context.requestContext.channel
                channel.eventLoop.scheduleTask(in: TimeAmount(Self.closeHandshakeTimeout)) { channel.close(promise: nil) }
                try? await outbound.close(.policyViolation, reason: "too slow: fell behind the stream")
            case "board_dropped": try? await outbound.close(.normalClosure, reason: "board dropped")
            // The client left, or the server is stopping: HummingbirdWebSocket's own close
            // on shutdown is this same frame, so whichever is sent first, the client reads 1000.
            default: try? await outbound.close(.normalClosure, reason: nil)
            }
            await Self.awaitCloseReply(reader)
        }
    }

    /// How long a stream's close handshake may take: the wait for the client's close frame
    /// in reply, and, for a client too slow to read ours, the time its connection has left.
    static let closeHandshakeTimeout: Duration = .seconds(5)

    /// Waits until `reader` has read the client's close frame in reply to ours (or the
    /// connection ended), at most ``closeHandshakeTimeout``. Returning sooner would let the
    /// connection close under a close frame still on its way out (one sent by the library
    /// on shutdown, which ours does not wait for): the client would see the socket end with
    /// no close frame. Cancelling the reader ends the inbound side for good.
    private static func awaitCloseReply(_ reader: Task<Void, any Error>) async {
        let deadline = Task {
            try await Task.sleep(for: closeHandshakeTimeout)
            reader.cancel()
        }
        _ = await reader.result
        deadline.cancel()
    }

    private func subscribe(_ request: Request, _ context: some RequestContext, resumeHeader: Bool) async throws -> EventSubscription {
        let query = try EventQuery(request, resumeHeader: resumeHeader)
        return try await registry.subscribe(board: context.parameters.decoded("board"), filter: query.filter, since: query.since)
    }

    /// Runs `deliver` (which sends the subscription's messages until it ends or the client
    /// leaves) with a keepalive (``keepaliveMessage``) after `keepalive` of quiet, when
    /// given; server shutdown ends the subscription, and it is released whichever way
    /// `deliver` returns.
    private func stream(
        _ subscription: EventSubscription, keepalive: Duration?, deliver: () async throws -> Void
    ) async throws {
        let ticker = keepalive.map { keepalive in
            Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: keepalive)
                    subscription.poke(Self.keepaliveMessage)
                }
            }
        }
        defer {
            ticker?.cancel()
            subscription.cancel()
        }
        try await withGracefulShutdownHandler(operation: deliver) {
            subscription.cancel()
        }
    }

    /// What a waiting stream is woken with when it has been quiet: no event, a keepalive.
    static let keepaliveMessage = StreamMessage(seq: nil, json: [])

    /// Most messages taken from a subscriber's queue for one write.
    static let messagesPerWrite = WebSocketEventWriter.messagesPerWrite

    /// `message` as one Server-Sent Event: `id:` (its seq; none for `lagged`) and `data:`
    /// (the JSON, which has no newline); a keepalive is a comment.
    static func serverSentEvent(_ message: StreamMessage) -> [UInt8] {
        guard !message.json.isEmpty else { return Array(": keepalive\n\n".utf8) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(message.json.count + 32)
        if let seq = message.seq { bytes += Array("id: \(seq)\n".utf8) }
        bytes += Array("data: ".utf8)
        bytes += message.json
        bytes += Array("\n\n".utf8)
        return bytes
    }
}

/// The stream query: `top`, `members`, and where to resume (`since`, or SSE's
/// `Last-Event-ID` header, which a reconnecting `EventSource` sends).
struct EventQuery {
    var filter: EventFilter
    var since: UInt64?

    init(_ request: Request, resumeHeader: Bool) throws {
        let top = try request.integerQuery("top")
        filter = EventFilter(top: top, members: try request.queryList("members"))
        let lastEventID = resumeHeader ? HTTPField.Name("Last-Event-ID").flatMap { request.headers[$0] } : nil
        since = try request.resumeSeq(lastEventID: lastEventID)
    }
}
