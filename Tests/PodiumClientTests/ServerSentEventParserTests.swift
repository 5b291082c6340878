import Testing

@testable import PodiumClient

/// The event-stream reader, on streams cut at every byte.
struct ServerSentEventParserTests {
    static let stream = "retry: 3000\n\n: keepalive\n\nid: 1\ndata: {\"a\":1}\n\nid: 2\r\ndata:first\r\ndata: second\r\n\r\ndata: {\"lagged\":true}\r\r"

    @Test func readsEventsWhereverTheChunksAreCut() {
        let bytes = Array(Self.stream.utf8)
        let expected = [
            ServerSentEvent(lastEventID: "1", event: nil, data: #"{"a":1}"#),
            ServerSentEvent(lastEventID: "2", event: nil, data: "first\nsecond"),
            ServerSentEvent(lastEventID: "2", event: nil, data: #"{"lagged":true}"#),
        ]
        for cut in 0...bytes.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(bytes[..<cut]) + parser.feed(bytes[cut...])
            #expect(events == expected, "cut at \(cut)")
        }
        var parser = ServerSentEventParser()
        #expect(bytes.flatMap { parser.feed([$0]) } == expected)
    }

    @Test func anEventWithoutABlankLineIsNotYetOne() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("id: 7\ndata: x\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)) == [ServerSentEvent(lastEventID: "7", event: nil, data: "x")])
    }
}
