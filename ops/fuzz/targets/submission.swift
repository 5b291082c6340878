// Fuzz target `submission`: any bytes as the JSON body of a write route (ops/fuzz/README.md).
//
// SubmissionReader (the fast path for score submissions and batches) is checked against
// JSONDecoder on the same bytes: whatever the fast path accepts, JSONDecoder accepts with
// the same value (member bytes, score bits, update policy, no metadata). The fast path may
// refuse what JSONDecoder accepts (escapes, metadata, unusual shapes): the server then
// falls back to JSONDecoder, whose answer stands. Then Request.decodeJSON, which the
// routes call, for every body type the server decodes: JSONDecoder's value, or a 400
// Problem for anything it refuses.

import Foundation
import Hummingbird
import PodiumAPI
import PodiumEngine
@testable import PodiumHTTP

/// Exactly the same submission: `==` on `String` compares canonical equivalence, so ids
/// are compared as bytes (an NFC and an NFD spelling are two members), scores as bits.
func same(_ a: SubmitBody, _ b: SubmitBody) -> Bool {
    a.member.utf8.elementsEqual(b.member.utf8) && a.score.bitPattern == b.score.bitPattern && a.update == b.update
        && a.metadata == b.metadata
}

func same(_ a: BatchBody, _ b: BatchBody) -> Bool {
    a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy(same)
}

/// The fast path's answer, when it has one, is JSONDecoder's; decodeJSON gives it.
func checkFastPath<Body: Codable & Sendable>(
    _ type: Body.Type, _ bytes: [UInt8], fast: (UnsafeRawBufferPointer) -> Body?, same: (Body, Body) -> Bool
) {
    let slow = try? JSONDecoder().decode(Body.self, from: Data(bytes))
    if let fastBody = bytes.withUnsafeBytes(fast) {
        guard let slow else { fail("SubmissionReader accepts \(fastBody), JSONDecoder refuses it") }
        check(same(fastBody, slow), "SubmissionReader reads \(fastBody), JSONDecoder \(slow)")
    }
    switch decodeJSON(Body.self, bytes) {
    case let .success(body):
        guard let slow else { fail("decodeJSON accepts \(body), JSONDecoder refuses it") }
        check(same(body, slow), "decodeJSON reads \(body), JSONDecoder \(slow)")
    case let .failure(error):
        check(slow == nil, "decodeJSON refuses what JSONDecoder reads: \(error)")
        expectBadRequest(error, "decodeJSON(\(Body.self))")
    }
}

/// The bodies without a fast path: a value, or a 400 Problem.
func checkBody<Body: Decodable & Sendable>(_ type: Body.Type, _ bytes: [UInt8]) -> Body? {
    switch decodeJSON(Body.self, bytes) {
    case let .success(body): return body
    case let .failure(error):
        expectBadRequest(error, "decodeJSON(\(Body.self))")
        return nil
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkFastPath(SubmitBody.self, bytes, fast: SubmissionReader.submission, same: same)
    checkFastPath(BatchBody.self, bytes, fast: SubmissionReader.batch, same: same)
    _ = checkBody(ManyBoardsSubmitBody.self, bytes)
    _ = checkBody(LookupBody.self, bytes)
    _ = checkBody(KeyRequestBody.self, bytes)
    _ = checkBody(SessionRequestBody.self, bytes)
    _ = checkBody(JSONValue.self, bytes)
    if let config = checkBody(BoardConfigBody.self, bytes), let reset = config.reset, let schedule = reset.schedule {
        // The schedule a PUT's `reset` makes is valid, and its `at` written back reads the same.
        check((0..<1440).contains(schedule.minuteOfDay), "\(reset) -> \(schedule)")
        check(ResetBody(schedule).schedule == schedule, "\(reset) -> \(schedule) does not round-trip")
    }
    return 0
}
