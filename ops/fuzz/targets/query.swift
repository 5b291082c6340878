// Fuzz target `query`: any bytes as a request's query string, and as a path parameter
// (ops/fuzz/README.md).
//
// The parameters the read routes (ReadRoutes.swift: offset, limit, radius, min, max) and
// the event stream (EventRoutes.swift's EventQuery: top, members, since) read, through the
// same Request extensions (RequestDecoding.swift, PercentDecoding.swift): a value or a 400
// Problem. The values then go to a board's queries as the routes pass them, where what a
// score range returns is checked against a plain filter of the board. And the client's
// percent-encoding (PodiumClient) decodes back to the same bytes on the server.
//
// EventQuery itself is not compiled here: it lives in EventRoutes.swift with the WebSocket
// and SSE routes, which need Hummingbird, NIO and PodiumService. Its `since` parsing (a
// trimmed UInt64 of the `since` value) is mirrored below; top and members are read by the
// same `integerQuery` and `queryList` as here.

import Foundation
import Hummingbird
import PodiumEngine
@testable import PodiumClient
@testable import PodiumHTTP

/// Boards of awkward scores (ties, zeros, extremes, subnormals) and ids, both orders.
let boards: [Leaderboard] = {
    let scores: [Double] = [
        -.greatestFiniteMagnitude, -1e300, -1, -0.5, -0.0, 0, 0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, 1, 1, 2.5,
        1e15, 1e15 + 1, 1e300, .greatestFiniteMagnitude,
    ]
    var result: [Leaderboard] = []
    for config in [BoardConfig(), BoardConfig(order: .ascending, update: .set, tieBreak: .member)] {
        guard var board = try? Leaderboard(config: config) else { fail("board") }
        for (index, score) in scores.enumerated() {
            let member = ["p\(index)", "José \(index)", "🎮 \(index)", "a b/c%\(index)"][index % 4]
            _ = try? board.submit(member: member, score: score, policy: .set)
        }
        result.append(board)
    }
    return result
}()

func inRange(_ score: Double, _ range: ScoreRange) -> Bool {
    (range.min.isInclusive ? score >= range.min.value : score > range.min.value)
        && (range.max.isInclusive ? score <= range.max.value : score < range.max.value)
}

/// Runs `body`; a thrown error must be a 400 problem.
func parse<T>(_ what: String, _ body: () throws -> T) -> T? {
    do {
        return try body()
    } catch {
        expectBadRequest(error, what)
        return nil
    }
}

func checkQuery(_ query: String) {
    let request = Request(query: query)
    let offset = parse("offset") { try request.integerQuery("offset") } ?? nil
    let limit = parse("limit") { try request.integerQuery("limit") } ?? nil
    let radius = parse("radius") { try request.integerQuery("radius") } ?? nil
    _ = parse("top") { try request.integerQuery("top") }
    let members = parse("members") { try request.queryList("members") } ?? []
    check(members.allSatisfy { !$0.isEmpty }, "an empty member in \(members)")
    // An event stream's resume point, from `since` or from the same text as a
    // `Last-Event-ID` header (EventQuery): a seq or a 400, never a crash.
    _ = parse("since") { try request.resumeSeq(lastEventID: nil) }
    _ = parse("Last-Event-ID") { try Request(query: nil).resumeSeq(lastEventID: query) }
    let minimum = parse("min") { try request.scoreBoundQuery("min", default: .negativeInfinity) }
    let maximum = parse("max") { try request.scoreBoundQuery("max", default: .positiveInfinity) }
    for bound in [minimum, maximum] { check(!(bound?.value.isNaN ?? false), "a NaN bound") }

    for board in boards {
        let all = board.entries(offset: 0, limit: board.count).entries
        _ = board.entries(offset: offset ?? 0, limit: limit ?? 10)
        _ = board.around(member: members.first ?? "p0", radius: radius ?? 5)
        _ = board.lookup(members)
        guard let minimum, let maximum else { continue }
        let range = ScoreRange(min: minimum, max: maximum)
        let expected = all.filter { inRange($0.score, range) }
        do {
            let count = try board.count(in: range)
            check(count == expected.count, "count(in: \(range)) = \(count), expected \(expected.count)")
            let page = try board.entries(in: range, offset: offset ?? 0, limit: limit ?? 10)
            check(page.total == count, "entries(in: \(range)).total = \(page.total), count \(count)")
            let start = min(max(0, offset ?? 0), expected.count)
            let wanted = expected[start..<start + min(max(0, limit ?? 10), expected.count - start)]
            check(page.entries == Array(wanted), "entries(in: \(range), \(offset ?? 0), \(limit ?? 10)) = \(page.entries)")
        } catch {
            fail("a parsed range \(range) is refused: \(error)")
        }
    }
}

func checkEncodingRoundTrip(_ text: String) {
    // What the client encodes, the server decodes to the same bytes: paths and queries.
    let encoded = PercentEncoding.encode(text)
    for plusIsSpace in [false, true] {
        guard let decoded = PercentDecoding.decode(encoded[...], plusIsSpace: plusIsSpace) else {
            fail("\(encoded) does not decode")
        }
        check(decoded.utf8.elementsEqual(text.utf8), "\(Array(text.utf8)) -> \(encoded) -> \(Array(decoded.utf8))")
    }
    let segment = text.pathSegment
    guard let path = try? Parameters(["p": segment]).decoded("p") else { fail("\(segment) does not decode") }
    check(path.utf8.elementsEqual(text.utf8), "path \(segment)")
    let request = Request(query: "a=1&members=\(encoded),x&members=&since=\(encoded)")
    guard let values = try? request.queryValues("since"), let list = try? request.queryList("members") else {
        fail("query of \(encoded) does not decode")
    }
    check(values.count == 1 && values[0].utf8.elementsEqual(text.utf8), "query value \(encoded)")
    check(list.map { Array($0.utf8) } == (text.isEmpty ? [] : [Array(text.utf8)]) + [Array("x".utf8)], "members=\(encoded) read as \(list)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Hummingbird's URI is a String: bytes that are not UTF-8 arrive as U+FFFD.
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    checkQuery(text)
    // The same text as a path parameter: a decoded value, or a 400.
    _ = parse("path") { try Parameters(["board": text]).decoded("board") }
    // Decoding without a `%` or a `+` changes nothing. (Bytes, not Characters: "%" and a
    // combining mark after it are one Character.)
    if !text.utf8.contains(UInt8(ascii: "%")), !text.utf8.contains(UInt8(ascii: "+")) {
        check(PercentDecoding.decode(text[...], plusIsSpace: true)?.utf8.elementsEqual(text.utf8) == true, "\(Array(text.utf8)) decodes differently")
    }
    checkEncodingRoundTrip(text)
    return 0
}
