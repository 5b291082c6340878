import Foundation
import Testing

@testable import PodiumEngine
@testable import PodiumStorage

/// The seed corpora of the `segment` and `snapshot` fuzz targets (Tests/FuzzCorpus,
/// ops/fuzz/README.md), the inputs the fuzzers found crashing included: each file loads,
/// or is refused with a ``StorageError``; never a crash. A crash the fuzzers find is saved
/// there as `crash-*`, so it stays fixed. The valid seeds (`fixture-*`, copies of
/// Fixtures/; `gen-*`, written as Podium writes) must load whole.
struct FuzzCorpusReplayTests {
    static func isValidSeed(_ path: String) -> Bool {
        let name = URL(fileURLWithPath: path).lastPathComponent
        return name.hasPrefix("fixture-") || name.hasPrefix("gen-")
    }

    static func files(_ target: String) -> [String] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzCorpus/\(target)").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(directory)/\($0)" }
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// What was loaded, even from a file refused part way, is a well-formed board
    /// (crash-shared-stamp: two members with one score and stamp each keep one place).
    static func checkInvariants(_ state: StoredState) {
        for board in state.boards.values { board.checkInvariants() }
        for seasons in state.seasons.values {
            for season in seasons { season.board.checkInvariants() }
        }
    }

    @Test func bothCorporaAreThere() {
        #expect(Self.files("segment").count >= 5)
        #expect(Self.files("snapshot").count >= 5)
    }

    /// As recovery replays a segment (DurableStore): records applied in order, a record
    /// the state refuses is ``StorageError/inconsistent(file:offset:reason:)``.
    @Test(arguments: files("segment"))
    func segmentLoadsOrIsRefused(_ path: String) throws {
        let bytes = try Self.bytes(path)
        var state = StoredState()
        do {
            let outcome = try FrameScanner.scanSegment(bytes, file: path) { (record, offset) throws(StorageError) in
                do {
                    _ = try state.apply(record)
                } catch {
                    throw .inconsistent(file: path, offset: offset, reason: "\(error)")
                }
            }
            #expect(outcome.validLength + outcome.tornBytes + outcome.paddingBytes == bytes.count)
            if Self.isValidSeed(path), !path.hasSuffix("-torn.aof") {
                // Every record read: none taken for a torn tail (gen-crc-ends-in-zero.aof).
                #expect(outcome.tornBytes == 0 && outcome.validLength == bytes.count, "\(outcome)")
            }
        } catch {
            #expect(!Self.isValidSeed(path), "\(error)")
        }
        Self.checkInvariants(state)
    }

    /// A snapshot loads or is refused whole; a file that is a manifest decodes or is refused.
    @Test(arguments: files("snapshot"))
    func snapshotLoadsOrIsRefused(_ path: String) throws {
        let bytes = try Self.bytes(path)
        var state = StoredState()
        do {
            _ = try SnapshotReader.load(bytes, file: path, into: &state)
        } catch let error as StorageError {
            #expect(state.boards.isEmpty && state.keys.isEmpty && state.sessions.isEmpty)
            // gen-crc-ends-in-zero.snap: its end frame's CRC ends in a zero byte.
            #expect(!(Self.isValidSeed(path) && path.hasSuffix(".snap")), "\(error)")
        }
        Self.checkInvariants(state)
        do {
            let manifest = try Manifest(decoding: bytes, file: path)
            #expect(try Manifest(decoding: manifest.encoded, file: path) == manifest)
        } catch {
            #expect(!(Self.isValidSeed(path) && path.contains("MANIFEST")), "\(error)")
        }
    }
}
