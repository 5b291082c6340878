import PodiumEngine
import Testing

@testable import PodiumService

/// The encoding of a board's kept events in `events.hist`: every field round-trips, and
/// bytes a file may hold (truncated, flipped, random) are refused, never trusted into a
/// crash or a huge allocation.
struct BoardHistoryTests {
    static let sample = BoardHistory(
        board: "weekly-🏆", lastSeq: 12,
        events: [
            BoardEvent(
                seq: 10, board: "weekly-🏆", kind: .scoreChanged, member: "José 🏆 a/b", score: 42.5, rank: 1, previousScore: -3,
                previousRank: 7, at: 1_764_000_000_000, overtook: [Overtaken(member: "名前", rank: 2), Overtaken(member: "a b", rank: 3)]),
            BoardEvent(
                seq: 11, board: "weekly-🏆", kind: .memberRemoved, member: "eve", previousScore: 1, previousRank: 4, reason: .evicted,
                at: 1_764_000_000_001),
            BoardEvent(seq: 12, board: "weekly-🏆", kind: .boardReset, season: "2026-12-04.2", at: 1_764_000_000_002),
        ])

    @Test func everyFieldRoundTrips() throws {
        #expect(try BoardHistory(decoding: Self.sample.encoded()) == Self.sample)
        let empty = BoardHistory(board: "b", lastSeq: 0, events: [])
        #expect(try BoardHistory(decoding: empty.encoded()) == empty)
    }

    @Test func damagedBytesAreRefusedNotTrusted() {
        let bytes = Self.sample.encoded()
        // Every cut short.
        for length in 0..<bytes.count {
            #expect(throws: (any Error).self) { try BoardHistory(decoding: Array(bytes[..<length])) }
        }
        // Every byte changed, and random bytes: each decodes to something or is refused.
        var random = SplitMix64(seed: 7)
        for index in bytes.indices {
            for _ in 0..<8 {
                var changed = bytes
                changed[index] = UInt8.random(in: 0...255, using: &random)
                _ = try? BoardHistory(decoding: changed)
            }
        }
        for _ in 0..<2_000 {
            let noise = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = try? BoardHistory(decoding: noise)
        }
        // A count of events no file of that size can hold is refused before anything is allocated.
        var huge = Array("\u{1}b".utf8)
        huge += [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]  // lastSeq
        huge += [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]  // count
        #expect(throws: (any Error).self) { try BoardHistory(decoding: huge) }
    }
}
