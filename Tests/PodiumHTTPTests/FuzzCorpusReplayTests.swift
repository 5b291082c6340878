import Foundation
import PodiumAPI
import PodiumEngine
import Testing

@testable import PodiumHTTP

/// The seed corpus of the `submission` fuzz target (Tests/FuzzCorpus/submission,
/// ops/fuzz/README.md), the inputs the fuzzer found failing included: on each body the fast
/// reader (SubmissionReader) either steps aside or reads exactly what `JSONDecoder` reads
/// (member bytes, score bits, policy), as SubmissionReaderTests checks on generated bodies.
struct FuzzCorpusReplayTests {
    static func files() -> [String] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzCorpus/submission").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(directory)/\($0)" }
    }

    /// Exactly the same: `==` on `String` is canonical equivalence, so ids compare as bytes.
    static func same(_ a: SubmitBody, _ b: SubmitBody) -> Bool {
        a.member.utf8.elementsEqual(b.member.utf8) && a.score.bitPattern == b.score.bitPattern && a.update == b.update
            && a.metadata == b.metadata
    }

    @Test func theCorpusIsThere() {
        #expect(Self.files().count >= 5)
    }

    @Test(arguments: files())
    func theFastReaderAgreesWithJSONDecoder(_ path: String) throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        if let fast = bytes.withUnsafeBytes({ SubmissionReader.submission($0) }) {
            let slow = try JSONDecoder().decode(SubmitBody.self, from: Data(bytes))
            #expect(Self.same(fast, slow), "\(fast) vs \(slow)")
        }
        if let fast = bytes.withUnsafeBytes({ SubmissionReader.batch($0) }) {
            let slow = try JSONDecoder().decode(BatchBody.self, from: Data(bytes))
            #expect(fast.entries.count == slow.entries.count && zip(fast.entries, slow.entries).allSatisfy(Self.same), "\(fast) vs \(slow)")
        }
    }
}
