import PodiumEngine
import Testing

@testable import PodiumStorage

/// A snapshot's chunk of entries (Schemas/storage-format.md, `entries` frame).
struct SnapshotEntriesEncodingTests {
    /// The entries come in member id byte order, each id as the bytes it shares with the
    /// one before (a count) and the rest: read back, every id, score and stamp is there.
    @Test func aChunkListsIdsInByteOrderEachAfterWhatItSharesWithTheLast() throws {
        let ids = ["b", "a b", "ab", "a", "Zoë", "Zoe", "👾 / x", "日本語", "abc", "a/b", String(repeating: "z", count: 128)]
        let entries = ids.enumerated().map { StoredEntry(member: $1, score: Double($0) - 2.5, stamp: UInt64($0 * 1000)) }
        var read: [StoredEntry] = []
        var sharedCounts: [Int] = []
        try SnapshotFrame.encodeEntries(entries).withUnsafeBytes { bytes in
            var reader = ByteReader(bytes)
            let count = try reader.readVarint()
            var id: [UInt8] = []
            for _ in 0..<count {
                let shared = Int(try reader.readVarint()), rest = Int(try reader.readVarint())
                id = Array(id.prefix(shared)) + Array(try reader.readBytes(rest))
                sharedCounts.append(shared)
                read.append(StoredEntry(member: String(decoding: id, as: UTF8.self), score: try reader.readDouble(), stamp: try reader.readVarint()))
            }
            #expect(reader.isAtEnd)
        }
        #expect(read == entries.sorted { Array($0.member.utf8).lexicographicallyPrecedes(Array($1.member.utf8)) })
        // "Zoe", "Zoë" (bytes, not letters: capitals first), "a", "a b", "a/b", "ab", "abc".
        #expect(Array(sharedCounts.prefix(7)) == [0, 2, 0, 1, 1, 1, 2])
    }
}
