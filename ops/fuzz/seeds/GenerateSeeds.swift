// Writes the generated seeds of the `segment` and `snapshot` fuzz targets
// (Tests/FuzzCorpus/{segment,snapshot}/gen-*): log segments and snapshots in the format
// Podium writes, covering every record and frame kind. `ops/fuzz/build.sh seeds` builds
// and runs it. The fixture-* seeds are copies of Tests/PodiumStorageTests/Fixtures.

import Foundation
@testable import PodiumEngine
@testable import PodiumStorage

@main
struct GenerateSeeds {
    static func segment(_ records: [LogRecord]) -> [UInt8] {
        var bytes = FileHeader.bytes(magic: FileHeader.segmentMagic)
        for record in records {
            var writer = ByteWriter()
            record.encodePayload(into: &writer)
            RecordFrame.append(kind: record.kind.rawValue, payload: writer.bytes, to: &bytes)
        }
        return bytes
    }

    /// A version 2 segment whose writes are record groups (RecordGroup), as the log writes
    /// a write of more than one record.
    static func groupedSegment(_ writes: [[LogRecord]]) -> [UInt8] {
        var bytes = FileHeader.bytes(magic: FileHeader.segmentMagic)
        for records in writes {
            RecordFrame.append(kind: RecordGroup.kind, payload: RecordGroup.encode(records), to: &bytes)
        }
        return bytes
    }

    static func state(_ records: [LogRecord]) throws -> StoredState {
        var state = StoredState()
        for record in records { _ = try state.apply(record) }
        return state
    }

    static let hash = [UInt8](repeating: 0xAB, count: 32)

    static let boards: [LogRecord] = [
        .boardCreated(board: "weekly", config: BoardConfig()),
        .seasonBegan(board: "weekly", at: 1_764_547_200_000),
        .boardCreated(
            board: "race.1",
            config: BoardConfig(order: .ascending, update: .set, tieBreak: .member, maxSize: 3, minScore: -5, maxScore: 100)),
        .boardCreated(
            board: "kills",
            config: BoardConfig(
                update: .increment, playerSubmit: true,
                reset: ResetSchedule(every: .weekly, minuteOfDay: 90, timeZone: "Europe/Paris", keep: 2))),
        .scoreSet(board: "weekly", entry: StoredEntry(member: "ann", score: 42, stamp: 1)),
        .scoreSet(board: "weekly", entry: StoredEntry(member: "José", score: 42, stamp: 2)),
        .scoreSet(board: "weekly", entry: StoredEntry(member: "Jose\u{301}", score: 42, stamp: 3)),
        .scoreSet(board: "weekly", entry: StoredEntry(member: "🎮 one", score: -0.5, stamp: 4)),
        .scoreSet(board: "weekly", entry: StoredEntry(member: "日本語👾", score: 1e300, stamp: 5)),
        .scoreSet(board: "weekly", entry: StoredEntry(member: "a b/c%", score: 7, stamp: 6)),
        .metadataSet(board: "weekly", member: "ann", json: Array(#"{"country":"FR","name":"Ann"}"#.utf8)),
        .metadataSet(board: "weekly", member: "🎮 one", json: Array(#"{"emoji":"🎮"}"#.utf8)),
        .memberRemoved(board: "weekly", member: "a b/c%"),
        .boardSequence(board: "weekly", seq: 9),
        .scoreSet(board: "race.1", entry: StoredEntry(member: "r0", score: 1, stamp: 0)),
        .scoreSet(board: "race.1", entry: StoredEntry(member: "r5", score: 5, stamp: 0)),
        .scoreSet(board: "race.1", entry: StoredEntry(member: "r4", score: 5, stamp: 0)),
        .scoreSet(board: "kills", entry: StoredEntry(member: "k", score: 3, stamp: 1)),
        .boardReset(board: "kills", season: "2026-W49", at: 1_764_633_600_000),
        .scoreSet(board: "kills", entry: StoredEntry(member: "k", score: 5, stamp: 1)),
        .boardReset(board: "kills", season: "2026-W50", at: 1_765_238_400_000),
        .scoreSet(board: "kills", entry: StoredEntry(member: "שלום", score: 2, stamp: 1)),
        .boardSequence(board: "kills", seq: 4),
        .boardCreated(board: "gone", config: BoardConfig()),
        .scoreSet(board: "gone", entry: StoredEntry(member: "x", score: 1, stamp: 1)),
        .boardDropped(board: "gone"),
    ]

    static let credentials: [LogRecord] = [
        .keyCreated(StoredKey(name: "game-1", role: "server", tokenHash: hash, createdAt: 1_764_547_200_000)),
        .keyCreated(StoredKey(name: "ops", role: "admin", tokenHash: hash, createdAt: 1_764_547_200_001)),
        .keyRevoked(name: "game-1"),
        .sessionStored(
            StoredSession(
                id: "s1", player: "日本語👾", tokenHash: hash, expiresAt: 1_764_633_600_000, ttlSeconds: 86_400,
                data: Array(#"{"level":3}"#.utf8))),
        .sessionStored(StoredSession(id: "s2", player: "ann", tokenHash: hash, expiresAt: 1_764_547_260_000, ttlSeconds: 60, data: [])),
        .sessionExtended(id: "s1", expiresAt: 1_764_720_000_000),
        .sessionEnded(id: "s2"),
    ]

    /// `generate-seeds --dump FILE...`: the records of log segments, for a look at a fuzzer's find.
    static func dump(_ paths: ArraySlice<String>) {
        for path in paths {
            print("\(path):")
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let bytes = Array(data)
            do {
                let outcome = try FrameScanner.scanSegment(bytes, file: path) { (record, offset) throws(StorageError) in
                    print("  @\(offset) \(record)")
                }
                print("  \(outcome)")
            } catch {
                print("  \(error)")
            }
            let fixed = withFixedCRCs(bytes)
            if fixed != bytes {
                print("  with fixed CRCs:")
                var state = StoredState()
                do {
                    _ = try FrameScanner.scanSegment(fixed, file: path) { (record, offset) throws(StorageError) in
                        print("    @\(offset) \(record)")
                        do {
                            print("      -> \(try state.apply(record))")
                        } catch {
                            throw .inconsistent(file: path, offset: offset, reason: "\(error)")
                        }
                    }
                } catch {
                    print("    \(error)")
                }
                for (name, board) in state.boards {
                    print("  board \(name): \(board.storedEntries.map { "\($0.member) \($0.score) \($0.stamp)" })")
                }
            }
        }
    }

    static func main() throws {
        if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "--fix-crcs" {
            // A fuzzer's find as a file that fails without the fuzz target's CRC fix-up.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[2]))
            try Data(withFixedCRCs(Array(bytes))).write(to: URL(fileURLWithPath: CommandLine.arguments[3]))
            return
        }
        if CommandLine.arguments.count > 2, CommandLine.arguments[1] == "--dump" {
            dump(CommandLine.arguments.dropFirst(2))
            return
        }
        guard CommandLine.arguments.count == 2 else {
            print("usage: generate-seeds CORPUS_DIR | --dump SEGMENT... | --fix-crcs IN OUT")
            exit(2)
        }
        let corpus = CommandLine.arguments[1]
        var written = 0
        func write(_ bytes: [UInt8], _ path: String) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(corpus)/\(path)"))
            written += 1
        }
        for directory in ["segment", "snapshot"] {
            try FileManager.default.createDirectory(atPath: "\(corpus)/\(directory)", withIntermediateDirectories: true)
        }

        let all = boards + credentials
        try write(segment(boards), "segment/gen-boards.aof")
        try write(segment(credentials), "segment/gen-credentials.aof")
        try write(segment([]), "segment/gen-empty.aof")
        try write(groupedSegment([Array(boards.prefix(4)), Array(boards[4..<14]), Array(boards.dropFirst(14)), credentials]), "segment/gen-groups.aof")
        // A crash's leftovers: a record cut short, then preallocated zeros.
        try write(Array(segment(all).dropLast(5)) + [UInt8](repeating: 0, count: 64), "segment/gen-torn.aof")

        // Encrypted (format 3) under the fuzz targets' stand-in cipher (FuzzKeyring).
        try write(sealed(groupedSegment([Array(boards.prefix(4)), Array(boards.dropFirst(4)), credentials]), magic: FileHeader.segmentMagic),
            "segment/sealed-groups.aof")

        let state = try state(all)
        try write(sealed(snapshotBytes(of: state, chunk: 2), magic: FileHeader.snapshotMagic), "snapshot/sealed-full.snap")
        try write(snapshotBytes(of: state, chunk: 2), "snapshot/gen-full.snap")
        try write(snapshotBytes(of: StoredState()), "snapshot/gen-empty.snap")
        // A backup: a snapshot of part of the state, and the rest as `change` frames.
        try write(snapshotBytes(of: try Self.state(Array(all.prefix(12))), changes: Array(all.dropFirst(12))), "snapshot/gen-backup.snap")
        // The state of segment/crash-shared-stamp (two members of an `earliest` board at the
        // same score and stamp) as a snapshot: both load, one place each.
        try write(
            snapshotBytes(
                of: try Self.state([
                    .boardCreated(board: "weekly", config: BoardConfig()),
                    .scoreSet(board: "weekly", entry: StoredEntry(member: "José", score: 42, stamp: 2)),
                    .scoreSet(board: "weekly", entry: StoredEntry(member: "Jose\u{301}", score: 42, stamp: 2)),
                ])), "snapshot/crash-shared-stamp.snap")
        // Files whose last frame's CRC-32C ends in a zero byte (one in 256): they used to
        // read as torn (the snapshot refused, the segment's last record cut at recovery).
        // Found by the `snapshot` target (crash-crc-ends-in-zero); they must load whole.
        for index in 0..<4096 {
            let records = boards + [.keyCreated(StoredKey(name: "key-\(index)", role: "server", tokenHash: hash, createdAt: 1))]
            let bytes = segment(records)
            guard bytes.last == 0 else { continue }
            try write(bytes, "segment/gen-crc-ends-in-zero.aof")
            break
        }
        // The end frame holds only counts: vary the keys and entries.
        search: for keys in 0..<16 {
            for entries in 0..<64 {
                let extra: [LogRecord] =
                    (0..<keys).map { .keyCreated(StoredKey(name: "key-\($0)", role: "server", tokenHash: hash, createdAt: 1)) }
                    + (0..<entries).map { .scoreSet(board: "weekly", entry: StoredEntry(member: "p\($0)", score: Double($0), stamp: UInt64(100 + $0))) }
                let bytes = snapshotBytes(of: try Self.state(all + extra))
                guard bytes.last == 0 else { continue }
                try write(bytes, "snapshot/gen-crc-ends-in-zero.snap")
                break search
            }
        }
        try write(Manifest(snapshot: 7, segments: [7, 8]).encoded, "snapshot/gen-MANIFEST")
        try write(Manifest(snapshot: nil, segments: [1]).encoded, "snapshot/gen-MANIFEST-none")

        // Each must load as written.
        for name in ["gen-full.snap", "gen-empty.snap", "gen-backup.snap", "gen-crc-ends-in-zero.snap"] {
            var loaded = StoredState()
            _ = try SnapshotReader.load(Array(try Data(contentsOf: URL(fileURLWithPath: "\(corpus)/snapshot/\(name)"))), file: name, into: &loaded)
        }
        print("wrote \(written) seeds under \(corpus)")
    }
}
