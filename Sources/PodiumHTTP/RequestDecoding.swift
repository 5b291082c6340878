import Foundation
import Hummingbird
import PodiumAPI
import PodiumEngine

extension Request {
    /// The JSON body as `Body`: malformed JSON, wrong types and missing fields are a 400
    /// problem naming what was wrong; a body over the limit is a 413.
    func decodeJSON<Body: Decodable>(_ type: Body.Type, context: some RequestContext) async throws -> Body {
        var request = self
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        if let body = Self.readFast(Body.self, buffer) { return body }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw Problem(.badRequest, code: "invalid_json", detail: "the body is not valid JSON")
        } catch let error as DecodingError {
            throw Problem.invalidRequest(Self.describe(error))
        }
    }

    /// The write routes' bodies without `JSONDecoder`, when they have the plain shape.
    private static func readFast<Body>(_ type: Body.Type, _ buffer: ByteBuffer) -> Body? {
        if Body.self == SubmitBody.self {
            return buffer.withUnsafeReadableBytes { SubmissionReader.submission($0) } as? Body
        }
        if Body.self == BatchBody.self {
            return buffer.withUnsafeReadableBytes { SubmissionReader.batch($0) } as? Body
        }
        return nil
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context): return "missing field '\(path(context).isEmpty ? key.stringValue : path(context) + "." + key.stringValue)'"
        case let .typeMismatch(_, context), let .valueNotFound(_, context): return "wrong type at '\(path(context))'"
        case let .dataCorrupted(context): return "invalid value at '\(path(context))'"
        @unknown default: return "invalid body"
        }
    }

    /// An optional integer query parameter; present but not an integer is a 400.
    func integerQuery(_ name: String) throws -> Int? {
        guard let text = try query(name) else { return nil }
        guard let value = Int(text) else { throw Problem.invalidRequest("query parameter '\(name)' must be an integer") }
        return value
    }

    /// Where an event stream resumes: `since`, or else `lastEventID` (SSE's `Last-Event-ID`
    /// header, which a reconnecting `EventSource` sends): an event seq, a whole number from
    /// 0; anything else is a 400.
    func resumeSeq(lastEventID: String?) throws -> UInt64? {
        guard let text = try query("since") ?? lastEventID else { return nil }
        guard let seq = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
            throw Problem.invalidRequest("since (or Last-Event-ID) must be an event seq: a whole number from 0")
        }
        return seq
    }

    /// A score bound: a number, `-inf`/`+inf` (`inf`), `(` before it for an exclusive bound.
    /// A number too large for a double (1e999) is the infinity it rounds to; NaN is refused.
    func scoreBoundQuery(_ name: String, default value: ScoreBound) throws -> ScoreBound {
        guard var text = try query(name) else { return value }
        let exclusive = text.hasPrefix("(")
        if exclusive { text.removeFirst() }
        // An unencoded '+' arrives decoded as a space.
        text = text.lowercased().trimmingCharacters(in: .whitespaces)
        let number: Double? =
            switch text {
            case "-inf": -.infinity
            case "+inf", "inf": .infinity
            default: Double(text).flatMap { $0.isNaN ? nil : $0 }
            }
        guard let number else { throw Problem(.badRequest, code: "invalid_score", detail: "query parameter '\(name)' must be a number, -inf or +inf") }
        return ScoreBound(number, inclusive: !exclusive)
    }
}
