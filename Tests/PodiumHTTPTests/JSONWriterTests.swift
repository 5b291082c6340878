import Foundation
import PodiumAPI
import Testing

@testable import PodiumHTTP
import PodiumService

struct JSONWriterTests {
    @Test("strings and numbers read back as written", arguments: ["plain", "quote \" back\\slash", "tab\tnew\nline\u{1}", "日本語👾", ""])
    func roundTrip(text: String) throws {
        for number in [0, -0.0, 42, 0.1, 1e-5, -1.7976931348623157e308, .leastNonzeroMagnitude, 123456789.123456] {
            let body = ProblemBody(type: text, title: "t", status: 400, detail: text, code: "c")
            var writer = JSONWriter()
            writer.object { json in
                json.key("body")
                body.write(to: &json)
                json.key("number")
                json.number(number)
                json.key("list")
                json.array([1, 2, 0, -7, Int.max, Int.min]) { $0.number($1) }
                json.key("none")
                json.optional(Int?.none) { $0.number($1) }
            }
            let object = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
            #expect((object["number"] as? NSNumber)?.doubleValue == number)
            #expect(object["list"] as? [Int] == [1, 2, 0, -7, Int.max, Int.min])
            #expect(object["none"] is NSNull)
            let decoded = try JSONDecoder().decode(ProblemBody.self, from: JSONSerialization.data(withJSONObject: object["body"] ?? [:]))
            #expect(decoded == body)
        }
    }

    @Test("integers at their limits and strings that need no escape are written exactly")
    func exactText() {
        var writer = JSONWriter()
        writer.object { json in
            json.key("zero")
            json.number(0)
            json.key("seq")
            json.number(UInt64.max)
            json.key("min")
            json.number(Int.min)
            json.key("id")
            json.string("m 1/é👾")
            json.key("escaped")
            json.string("a\"b")
        }
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"zero":0,"seq":18446744073709551615,"min":-9223372036854775808,"id":"m 1/é👾","escaped":"a\"b"}"#)
    }

    @Test("doubles are written as Swift's description writes them, whole numbers included")
    func doublesAsDescribed() {
        let limit = 9_007_199_254_740_992.0
        var values: [Double] = [0, -0.0, 1, -1, 42, 1e15, limit - 1, -(limit - 1), limit, limit + 2, 1e16, -1e300, 0.5, 99.87, 1e-5]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let magnitude = Double(UInt64.random(in: 0...UInt64(1) << 54, using: &generator) >> UInt64.random(in: 0...54, using: &generator))
            values.append(Bool.random(using: &generator) ? magnitude : -magnitude)
            values.append(magnitude / 8)
        }
        Self.expectWrittenAsDescribed(values)
    }

    static func expectWrittenAsDescribed(_ values: [Double]) {
        for value in values {
            var writer = JSONWriter()
            writer.number(value)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == value.description, "\(value)")
        }
    }

    @Test("decimals of up to four places, their neighbours and the ends of that range are written as described")
    func decimalsAsDescribed() {
        var values: [Double] = [
            1e-4, 1.5e-4, 9.9999e-5, 0.001, 0.1, 0.25, 1.0001, 99.99, 999_999_999.9999, 999_999_999.99995, 1e9, 1e9 + 0.5,
            0.1 + 0.2, 1.0 / 3, 45.6789, 123_456.123,
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let places = Int.random(in: 1...6, using: &generator)
            let scale = (0..<places).reduce(1.0) { product, _ in product * 10 }
            let digits = Double(UInt64.random(in: 0...UInt64(1) << UInt64.random(in: 1...50, using: &generator), using: &generator))
            let decimal = digits / scale
            // The decimal, the doubles either side of it and a sum that is not one.
            values += [decimal, decimal.nextUp, decimal.nextDown, decimal + 0.1, -decimal, 100 * Double(digits) / 1_000_003]
        }
        Self.expectWrittenAsDescribed(values)
    }

    @Test("a body larger than the first buffer is written whole, and a writer's bytes can be read in place")
    func growsPastItsCapacity() {
        var writer = JSONWriter(capacity: 1)
        let members = (0..<500).map { "member \($0) 👾" }
        writer.array(members) { $0.string($1) }
        let expected = "[" + members.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
        #expect(writer.byteCount == expected.utf8.count)
        #expect(writer.withBytes { Array($0) } == Array(expected.utf8))
    }
}
