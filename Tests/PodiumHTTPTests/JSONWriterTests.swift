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
        for value in values {
            var writer = JSONWriter()
            writer.number(value)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == value.description, "\(value)")
        }
    }
}
