import NIOCore

/// One RESP value, as Redis and Valkey send it: RESP2's five types and RESP3's additions.
/// Bulk strings stay bytes (scores, members and Lua results are not always UTF-8 text).
public enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    /// An error reply (`-ERR ...`, RESP3 `!` blob errors too): an answer, not a broken
    /// connection; ``RESPConnection/send(_:)`` throws it as ``RESPError/server(_:)``.
    case error(String)
    case integer(Int64)
    case bulkString([UInt8])
    case array([RESPValue])
    /// RESP2's null bulk string and null array, RESP3's `_`.
    case null
    case double(Double)
    case boolean(Bool)
    /// RESP3 `(`: kept as its decimal text.
    case bigNumber(String)
    /// RESP3 `=`: the format (`txt`, `mkd`) and the text.
    case verbatim(format: String, text: String)
    /// RESP3 `%`, in the order sent.
    case map([(RESPValue, RESPValue)])
    case set([RESPValue])
    /// RESP3 `>`: out-of-band data (pub/sub messages, invalidations), not a reply.
    case push([RESPValue])

    /// The text of a string-like value (simple, bulk, verbatim), or nil.
    public var string: String? {
        switch self {
        case let .simpleString(text): text
        case let .bulkString(bytes): String(decoding: bytes, as: UTF8.self)
        case let .verbatim(_, text): text
        default: nil
        }
    }

    /// An integer, or a string that is one (Lua and RESP2 send numbers as either).
    public var integer: Int64? {
        switch self {
        case let .integer(value): value
        default: string.flatMap { Int64($0) }
        }
    }

    /// A double (RESP3) or a string that parses as one (RESP2 scores: `ZSCORE`).
    public var double: Double? {
        switch self {
        case let .double(value): value
        case let .integer(value): Double(value)
        default: string.flatMap { Double($0) }
        }
    }

    /// The first word of an error reply (`NOSCRIPT`, `MOVED`...); `nil` for any other value.
    public var errorCode: String? {
        guard case let .error(message) = self else { return nil }
        return RESPError.server(message).serverCode
    }

    /// The elements of an array, set or push; a map's keys and values in turn; or nil.
    public var elements: [RESPValue]? {
        switch self {
        case let .array(values), let .set(values), let .push(values): values
        case let .map(pairs): pairs.flatMap { [$0.0, $0.1] }
        default: nil
        }
    }

    public static func == (lhs: RESPValue, rhs: RESPValue) -> Bool {
        switch (lhs, rhs) {
        case let (.simpleString(a), .simpleString(b)), let (.error(a), .error(b)), let (.bigNumber(a), .bigNumber(b)): a == b
        case let (.integer(a), .integer(b)): a == b
        case let (.bulkString(a), .bulkString(b)): a == b
        case let (.array(a), .array(b)), let (.set(a), .set(b)), let (.push(a), .push(b)): a == b
        case (.null, .null): true
        case let (.double(a), .double(b)): a == b || (a.isNaN && b.isNaN)
        case let (.boolean(a), .boolean(b)): a == b
        case let (.verbatim(f1, t1), .verbatim(f2, t2)): f1 == f2 && t1 == t2
        case let (.map(a), .map(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case let .simpleString(text), let .error(text), let .bigNumber(text): hasher.combine(text)
        case let .integer(value): hasher.combine(value)
        case let .bulkString(bytes): hasher.combine(bytes)
        case let .array(values), let .set(values), let .push(values): hasher.combine(values)
        case .null: hasher.combine(0)
        case let .double(value): hasher.combine(value.isNaN ? .nan : value)
        case let .boolean(value): hasher.combine(value)
        case let .verbatim(format, text): hasher.combine(format); hasher.combine(text)
        case let .map(pairs): for (key, value) in pairs { hasher.combine(key); hasher.combine(value) }
        }
    }
}

/// A command as Redis reads it: an array of bulk strings.
public struct RESPCommand: Sendable, Hashable, ExpressibleByArrayLiteral {
    public var arguments: [[UInt8]]

    public init(_ arguments: [[UInt8]]) { self.arguments = arguments }

    public init(_ name: String, _ arguments: String...) {
        self.arguments = ([name] + arguments).map { Array($0.utf8) }
    }

    public init(arrayLiteral elements: String...) {
        arguments = elements.map { Array($0.utf8) }
    }

    /// `*N\r\n` then `$len\r\nbytes\r\n` per argument.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("*")
        buffer.writeString(String(arguments.count))
        buffer.writeStaticString("\r\n")
        for argument in arguments {
            buffer.writeStaticString("$")
            buffer.writeString(String(argument.count))
            buffer.writeStaticString("\r\n")
            buffer.writeBytes(argument)
            buffer.writeStaticString("\r\n")
        }
    }
}
