import NIOCore

/// Reads RESP2 and RESP3 values from bytes as they arrive: a value cut by the end of the
/// bytes so far is read again from its start once more have come (``parse(_:)`` leaves the
/// buffer as it was and answers nil). Anything that is not RESP is an error, and so are
/// values past the limits, so a broken or hostile server cannot make the client allocate
/// without bound or recurse without end.
public struct RESPParser: Sendable {
    /// Largest bulk string accepted (Redis's own `proto-max-bulk-len` is 512 MB).
    public var maxBulkLength = 512 << 20
    /// Most elements of one array, set or map.
    public var maxElements = 1 << 24
    /// Deepest nesting of aggregates.
    public var maxDepth = 64

    public init() {}

    /// The next whole value in `buffer` (its reader index moved past it), or nil when the
    /// value is not complete yet (the reader index unchanged).
    public func parse(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        var copy = buffer
        guard let value = try value(&copy, depth: 0) else { return nil }
        buffer = copy
        return value
    }

    private func value(_ buffer: inout ByteBuffer, depth: Int) throws(RESPError) -> RESPValue? {
        guard depth <= maxDepth else { throw .protocolViolation("values nested deeper than \(maxDepth)") }
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        switch type {
        case UInt8(ascii: "+"): return try line(&buffer).map(RESPValue.simpleString)
        case UInt8(ascii: "-"): return try line(&buffer).map(RESPValue.error)
        case UInt8(ascii: ":"):
            guard let text = try line(&buffer) else { return nil }
            guard let value = Int64(text) else { throw .protocolViolation("integer '\(text.prefix(40))'") }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let bytes = try blob(&buffer) else { return nil }
            return bytes.map(RESPValue.bulkString) ?? .null
        case UInt8(ascii: "!"):
            guard let bytes = try blob(&buffer) else { return nil }
            return .error(String(decoding: bytes ?? [], as: UTF8.self))
        case UInt8(ascii: "="):
            guard let blob = try blob(&buffer) else { return nil }
            let bytes = blob ?? []
            guard bytes.count >= 4, bytes[3] == UInt8(ascii: ":") else { throw .protocolViolation("verbatim string without a format") }
            return .verbatim(format: String(decoding: bytes[..<3], as: UTF8.self), text: String(decoding: bytes[4...], as: UTF8.self))
        case UInt8(ascii: "_"):
            guard let text = try line(&buffer) else { return nil }
            guard text.isEmpty else { throw .protocolViolation("null with a payload") }
            return .null
        case UInt8(ascii: ","):
            guard let text = try line(&buffer) else { return nil }
            switch text {
            case "inf", "+inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            case "nan": return .double(.nan)
            default:
                guard let value = Double(text) else { throw .protocolViolation("double '\(text.prefix(40))'") }
                return .double(value)
            }
        case UInt8(ascii: "#"):
            guard let text = try line(&buffer) else { return nil }
            guard text == "t" || text == "f" else { throw .protocolViolation("boolean '\(text.prefix(40))'") }
            return .boolean(text == "t")
        case UInt8(ascii: "("):
            guard let text = try line(&buffer) else { return nil }
            guard !text.isEmpty, text.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy(\.isNumber) else {
                throw .protocolViolation("big number '\(text.prefix(40))'")
            }
            return .bigNumber(text)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
            guard let count = try count(&buffer) else { return nil }
            guard let count else { return .null }
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                guard let element = try value(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return type == UInt8(ascii: "*") ? .array(elements) : type == UInt8(ascii: "~") ? .set(elements) : .push(elements)
        case UInt8(ascii: "%"), UInt8(ascii: "|"):
            guard let count = try count(&buffer) else { return nil }
            var pairs: [(RESPValue, RESPValue)] = []
            pairs.reserveCapacity(min(count ?? 0, 1024))
            for _ in 0..<(count ?? 0) {
                guard let key = try value(&buffer, depth: depth + 1), let value = try value(&buffer, depth: depth + 1) else { return nil }
                pairs.append((key, value))
            }
            // An attribute (`|`) annotates the value after it, which is the reply: skip it.
            return type == UInt8(ascii: "%") ? .map(pairs) : try value(&buffer, depth: depth)
        default:
            throw .protocolViolation("unknown type byte \(type)")
        }
    }

    /// The text up to CRLF, or nil when the CRLF has not come yet.
    private func line(_ buffer: inout ByteBuffer) throws(RESPError) -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")) else {
            guard view.count < 64 << 10 else { throw .protocolViolation("a line longer than 64 KiB") }
            return nil
        }
        guard cr + 1 < view.endIndex else { return nil }
        guard view[cr + 1] == UInt8(ascii: "\n") else { throw .protocolViolation("CR without LF") }
        let text = buffer.readString(length: cr - view.startIndex) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        return text
    }

    /// An aggregate's element count: nil while incomplete, `.some(nil)` for RESP2's null (-1).
    private func count(_ buffer: inout ByteBuffer) throws(RESPError) -> Int?? {
        guard let text = try line(&buffer) else { return nil }
        guard let count = Int(text), count >= -1 else { throw .protocolViolation("count '\(text.prefix(40))'") }
        guard count <= maxElements else { throw .protocolViolation("\(count) elements, past the limit of \(maxElements)") }
        return .some(count == -1 ? nil : count)
    }

    /// A length-prefixed blob: nil while incomplete, `.some(nil)` for RESP2's null (-1).
    private func blob(_ buffer: inout ByteBuffer) throws(RESPError) -> [UInt8]?? {
        guard let text = try line(&buffer) else { return nil }
        guard let length = Int(text), length >= -1 else { throw .protocolViolation("length '\(text.prefix(40))'") }
        guard length <= maxBulkLength else { throw .protocolViolation("a bulk string of \(length) bytes, past the limit") }
        if length == -1 { return .some(nil) }
        guard buffer.readableBytes >= length + 2 else { return nil }
        let bytes = buffer.readBytes(length: length) ?? []
        guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw .protocolViolation("a bulk string without its CRLF") }
        return .some(bytes)
    }
}

/// What a RESP exchange can fail with.
public enum RESPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server's error reply: `ERR ...`, `WRONGTYPE ...`, `NOSCRIPT ...`, `MOVED ...`.
    case server(String)
    /// Bytes that are not RESP, or past the parser's limits: the connection is closed.
    case protocolViolation(String)
    /// The connection closed before the reply came: the command may or may not have run.
    case connectionClosed(String)
    /// No connection could be opened: nothing was sent, so the command may be sent again.
    case unreachable(String)
    /// No reply within the command timeout: the connection is closed, since the replies
    /// after it would no longer match their commands.
    case timedOut

    public var description: String {
        switch self {
        case let .server(message): "Redis: \(message)"
        case let .protocolViolation(reason): "not RESP: \(reason)"
        case let .connectionClosed(reason): "connection closed: \(reason)"
        case let .unreachable(reason): "unreachable: \(reason)"
        case .timedOut: "no reply in time"
        }
    }

    /// The first word of a server error (`MOVED`, `NOSCRIPT`, `WRONGPASS`...).
    public var serverCode: String? {
        guard case let .server(message) = self else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }
}
