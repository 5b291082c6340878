/// One Server-Sent Event: its `data:` lines joined, and the last `id:` seen so far.
struct ServerSentEvent: Equatable, Sendable {
    var lastEventID: String?
    var event: String?
    var data: String
}

/// Reads a `text/event-stream` as it arrives, in chunks cut anywhere, into events, by the
/// rules of the HTML standard: lines end with LF, CR or CRLF; a blank line ends an event;
/// `field: value` (one space after the colon dropped); `:` starts a comment (Podium's
/// keepalives); an event without data is not one. `retry:` is read and ignored: the
/// client does not reconnect by itself.
struct ServerSentEventParser {
    private var line: [UInt8] = []
    /// The last chunk ended with CR: an LF first in the next is that line's end.
    private var afterCarriageReturn = false
    private var data: [UInt8] = []
    private var hasData = false
    private var event: String?
    private var lastEventID: String?

    /// The events `chunk` completes, in order. O(chunk length).
    mutating func feed(_ chunk: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in chunk {
            if afterCarriageReturn {
                afterCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                afterCarriageReturn = true
                if let event = endLine() { events.append(event) }
            case UInt8(ascii: "\n"):
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// Takes in the line read; at a blank line, the event it ends, if it has data.
    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else { return dispatch() }
        guard line[0] != UInt8(ascii: ":") else { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let name = String(decoding: line[..<(colon ?? line.endIndex)], as: UTF8.self)
        var value = colon.map { line[($0 + 1)...] } ?? []
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        switch name {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data += value
            hasData = true
        case "id" where !value.contains(0):
            lastEventID = String(decoding: value, as: UTF8.self)
        case "event":
            event = String(decoding: value, as: UTF8.self)
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            event = nil
        }
        guard hasData else { return nil }
        return ServerSentEvent(lastEventID: lastEventID, event: event, data: String(decoding: data, as: UTF8.self))
    }
}
