import NIOCore
import Testing

@testable import RESPClient

/// Every RESP2 and RESP3 type, read whole and cut at every byte; what is not RESP, or past
/// the limits, is refused.
struct RESPParserTests {
    static let samples: [(String, RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("-ERR unknown command 'x'\r\n", .error("ERR unknown command 'x'")),
        (":-42\r\n", .integer(-42)),
        ("$5\r\nJosé\r\n", .bulkString(Array("José".utf8))),
        ("$0\r\n\r\n", .bulkString([])),
        ("$-1\r\n", .null),
        ("*-1\r\n", .null),
        ("_\r\n", .null),
        ("*2\r\n$1\r\na\r\n:1\r\n", .array([.bulkString([97]), .integer(1)])),
        (",3.25\r\n", .double(3.25)),
        (",-inf\r\n", .double(-.infinity)),
        ("#t\r\n", .boolean(true)),
        ("(3492890328409238509324850943850943825024385\r\n", .bigNumber("3492890328409238509324850943850943825024385")),
        ("=15\r\ntxt:Some string\r\n", .verbatim(format: "txt", text: "Some string")),
        ("!21\r\nSYNTAX invalid syntax\r\n", .error("SYNTAX invalid syntax")),
        ("%2\r\n+server\r\n$5\r\nredis\r\n+proto\r\n:3\r\n", .map([(.simpleString("server"), .bulkString(Array("redis".utf8))), (.simpleString("proto"), .integer(3))])),
        ("~2\r\n+a\r\n+b\r\n", .set([.simpleString("a"), .simpleString("b")])),
        (">3\r\n+message\r\n+ch\r\n$2\r\nhi\r\n", .push([.simpleString("message"), .simpleString("ch"), .bulkString(Array("hi".utf8))])),
        // An attribute annotates the reply after it: the reply is what is read.
        ("|1\r\n+ttl\r\n:3600\r\n:7\r\n", .integer(7)),
        ("*1\r\n*1\r\n*0\r\n", .array([.array([.array([])])])),
    ]

    @Test func everyTypeReadsWholeAndCutAtEveryByte() throws {
        let parser = RESPParser()
        for (text, expected) in Self.samples {
            let bytes = Array(text.utf8)
            var whole = ByteBuffer(bytes: bytes + Array("+next\r\n".utf8))
            #expect(try parser.parse(&whole) == expected, "\(text.debugDescription)")
            #expect(try parser.parse(&whole) == .simpleString("next"))
            for cut in 0..<bytes.count {
                var partial = ByteBuffer(bytes: bytes[..<cut])
                #expect(try parser.parse(&partial) == nil, "\(text.debugDescription) cut at \(cut)")
                #expect(partial.readableBytes == cut, "an incomplete value is left as it was")
                partial.writeBytes(bytes[cut...])
                #expect(try parser.parse(&partial) == expected)
            }
        }
    }

    @Test func whatIsNotRESPOrPastTheLimitsIsRefused() {
        var parser = RESPParser()
        parser.maxBulkLength = 10
        parser.maxElements = 3
        parser.maxDepth = 2
        for text in [
            "?what\r\n", ":12x\r\n", "$11\r\n", "*4\r\n", "*-2\r\n", "$3\r\nabcXY", "#x\r\n", ",one\r\n", "_x\r\n", "+no LF\rX",
            "*1\r\n*1\r\n*1\r\n*0\r\n", "=3\r\ntxt\r\n", "(12a\r\n",
        ] {
            var buffer = ByteBuffer(string: text)
            #expect(throws: RESPError.self, "\(text.debugDescription)") { try parser.parse(&buffer) }
        }
    }

    @Test func commandsAreArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPCommand("ZADD", "b", "1.5", "José").encode(into: &buffer)
        #expect(String(buffer: buffer) == "*4\r\n$4\r\nZADD\r\n$1\r\nb\r\n$3\r\n1.5\r\n$5\r\nJosé\r\n")
    }
}
