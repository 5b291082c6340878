import Foundation
import PodiumAPI
import PodiumEngine
import Testing

@testable import PodiumHTTP

/// The fast reader of write bodies against `JSONDecoder`: whatever it accepts must decode
/// to the same value there; what it refuses goes to `JSONDecoder` anyway.
struct SubmissionReaderTests {
    static let pieces = [
        #"{"member":"ann","score":42}"#, #"{ "score" : -0.5e+3 , "member" : "日本語👾" , "update" : "incr" }"#,
        #"{"member":"a","score":1,"update":null}"#, #"{"member":"a\"b","score":1}"#, #"{"member":"a","score":01}"#,
        #"{"member":"a","score":1.}"#, #"{"member":"a","score":1e999}"#, #"{"member":"a","score":"1"}"#,
        #"{"member":"a","score":1,"extra":2}"#, #"{"member":"a","member":"b","score":1}"#, #"{"member":"a"}"#,
        #"{"member":"a","score":1,"update":"sideways"}"#, #"{"member":"a","score":-}"#, #"{"member":"a","score":1}x"#,
        #"{"member":"\u0041","score":2}"#, #"{"member":"a","score":123456789012345678901234567890}"#, "{\"member\":\"a\tb\",\"score\":1}",
        #"{"member":"a","score":-0}"#, #"{"member":"a","score":999999999999999}"#, #"{"member":"a","score":-1234567890123456}"#,
        #"{"score":7,"update":"best","member":"z"}"#,
    ]

    static func decoded<Body: Decodable>(_ type: Body.Type, _ text: [UInt8]) -> Body? {
        try? JSONDecoder().decode(Body.self, from: Data(text))
    }

    @Test func theReaderAgreesWithJSONDecoderOnEverythingItAccepts() {
        var random = SplitMix64(seed: 7)
        var accepted = 0
        for round in 0..<4000 {
            var text = Array(Self.pieces[Int(random.next() % UInt64(Self.pieces.count))].utf8)
            // Damage some: drop, duplicate or replace a byte.
            if round % 2 == 1, !text.isEmpty {
                let at = Int(random.next() % UInt64(text.count))
                switch random.next() % 3 {
                case 0: text.remove(at: at)
                case 1: text.insert(text[at], at: at)
                default: text[at] = Array(#" {}[]":,0-.eE+"\#u{80}a"#.utf8)[Int(random.next() % 18)]
                }
            }
            let single = text.withUnsafeBytes { SubmissionReader.submission($0) }
            if let single {
                accepted += 1
                #expect(Self.decoded(SubmitBody.self, text) == single, "\(String(decoding: text, as: UTF8.self))")
            }
            let batchText = Array(#"{"entries":["#.utf8) + text + Array(",".utf8) + text + Array("]}".utf8)
            if let batch = batchText.withUnsafeBytes({ SubmissionReader.batch($0) }) {
                #expect(Self.decoded(BatchBody.self, batchText) == batch)
            }
        }
        #expect(accepted > 400, "the plain shapes are read fast")
        // Whole numbers are read without strtod: the sign of a zero as JSONDecoder reads it.
        let zero = Array(#"{"member":"a","score":-0}"#.utf8)
        #expect(zero.withUnsafeBytes { SubmissionReader.submission($0) }?.score.sign == Self.decoded(SubmitBody.self, zero)?.score.sign)
        #expect(Array(#"{"entries":[]}"#.utf8).withUnsafeBytes { SubmissionReader.batch($0) } == BatchBody(entries: []))
    }
}
