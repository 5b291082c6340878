import Foundation
import PodiumEncryption
import PodiumEngine
import PodiumSync
import PodiumTestSupport
import Testing

@testable import PodiumService
@testable import PodiumStorage

/// Encryption at rest (`--encryption-key-file`) on a ``SimulatedDisk``: every record kind
/// and the snapshot round-trip, nothing readable is left on disk or in a backup, damage
/// and moved frames are refused (never decrypted into wrong data), a torn tail is still
/// cut, a missing key is named, and keys rotate through a snapshot.
struct EncryptionAtRestTests {
    static let first = AtRestKey(bytes: Array(repeating: 1, count: 32))
    static let second = AtRestKey(bytes: Array(repeating: 2, count: 32))
    static let sessionData = "potion-of-🐉-strength"

    /// A server with every kind of record written: scores with metadata, batches,
    /// many-board submits, removals, drops, resets, keys, sessions; a snapshot part way.
    static func populatedServer(keyring: any Keyring, seed: UInt64 = 1) async throws -> (SimulatedServer, [String]) {
        let server = try SimulatedServer(keyring: keyring)
        var random = SplitMix64(seed: seed)
        var sessions: [String] = []
        for name in PowerCutTests.boardNames { try await server.podium.boards.createBoard(name: name, config: BoardConfig()) }
        for step in 0..<300 {
            if step == 150 { _ = try await server.podium.snapshot() }
            try? await PowerCutTests.randomWrite(on: server.podium, sessions: &sessions, using: &random)
        }
        // The workload drops and creates boards: this one is there at the end.
        _ = try? await server.podium.boards.createBoard(name: "all-time", config: BoardConfig())
        for member in PowerCutTests.members {
            _ = try await server.podium.boards.submit(
                board: "all-time", ScoreSubmission(member: member, score: 1, metadata: Array(#"{"skin":"golden-dragon"}"#.utf8)))
        }
        let (session, _) = try await server.podium.access.createSession(player: "José", ttlSeconds: 3600, data: Array("\"\(sessionData)\"".utf8))
        sessions.append(session.id)
        return (server, sessions)
    }

    static func segments(of server: SimulatedServer) -> [String] {
        server.disk.listing.split(separator: ";").compactMap { item in
            item.split(separator: " ").first.map(String.init).flatMap { $0.hasSuffix(".aof") ? $0 : nil }
        }.sorted()
    }

    /// The offsets and sizes of the frames of a file after its prologue.
    static func frames(of bytes: [UInt8]) -> [(offset: Int, size: Int)] {
        var frames: [(offset: Int, size: Int)] = []
        var offset = FrameScanner.prologueLength(bytes)
        while let size = bytes.withUnsafeBytes({ RecordFrame.declaredSize(UnsafeRawBufferPointer(rebasing: $0[offset...])) }),
            offset + size <= bytes.count
        {
            frames.append((offset, size))
            offset += size
        }
        return frames
    }

    /// `frame` with its CRC made right again: what an attacker who knows the format writes.
    static func withValidCRC(_ frame: [UInt8]) -> [UInt8] {
        var fixed = frame
        let crc = CRC32C.checksum(Array(frame.dropLast(4)))
        withUnsafeBytes(of: crc.littleEndian) { fixed.replaceSubrange((frame.count - 4)..., with: $0) }
        return fixed
    }

    @Test func everyRecordKindAndTheSnapshotRoundTrip() async throws {
        let keyring = AtRestKeyring(writing: Self.first)
        let (server, sessions) = try await Self.populatedServer(keyring: keyring)
        let before = try server.contents(sessionIDs: sessions)
        #expect(before.boards.values.contains { !$0.entries.isEmpty } && !before.sessions.isEmpty)
        try server.restart()
        #expect(try server.contents(sessionIDs: sessions) == before)
        _ = try await server.podium.snapshot()
        try server.restart()
        #expect(try server.contents(sessionIDs: sessions) == before)
        #expect(server.store.encryption.keyID == Self.first?.id && server.store.encryption.filesUnderOtherKeys == 0)
    }

    @Test func noMemberIdMetadataOrSessionDataIsReadableOnDiskOrInABackup() async throws {
        let (server, _) = try await Self.populatedServer(keyring: AtRestKeyring(writing: Self.first))
        let backup = try await server.podium.backup()
        let backupBytes = try backup.read(from: 0, count: backup.size)
        // A graceful stop: the events' history is saved beside the log.
        try server.podium.close()
        let secrets = PowerCutTests.members.filter { $0.utf8.count >= 4 } + ["golden-dragon", Self.sessionData, "all-time", "weekly"]
        var files = server.disk.listing.split(separator: ";").compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0.hasSuffix(".aof") || $0.hasSuffix(".snap") || $0.hasSuffix(".hist") }
            .map { (name: $0, bytes: server.disk.bytes(of: $0) ?? []) }
        files.append((name: "backup", bytes: backupBytes))
        #expect(files.contains { $0.name.hasSuffix(".snap") } && files.contains { $0.name.hasSuffix(".hist") } && files.count >= 4)
        for file in files {
            for secret in secrets {
                let needle = Array(secret.utf8)
                let found = file.bytes.count >= needle.count && (0...(file.bytes.count - needle.count)).contains {
                    file.bytes[$0..<($0 + needle.count)].elementsEqual(needle)
                }
                #expect(!found, "\(file.name) holds \(secret) in the clear")
            }
        }
    }

    @Test func aChangedOrMovedFrameIsRefusedNeverDecrypted() async throws {
        let keyring = AtRestKeyring(writing: Self.first)
        let (server, sessions) = try await Self.populatedServer(keyring: keyring)
        let before = try server.contents(sessionIDs: sessions)
        let path = try #require(Self.segments(of: server).last)
        let original = try #require(server.disk.bytes(of: path))
        let frames = Self.frames(of: original)
        try #require(frames.count >= 20)
        var random = SplitMix64(seed: 7)
        func refuses(_ bytes: [UInt8], _ what: String) {
            server.disk.overwrite(path, with: bytes)
            #expect(throws: StorageError.self, "\(what)") { try server.restart() }
        }
        for _ in 0..<40 {
            // A bit flipped in any frame but the last (which a crash may have torn), CRC
            // left alone: the CRC refuses it.
            let frame = frames[Int.random(in: 0..<(frames.count - 1), using: &random)]
            var flipped = original
            let bit = Int.random(in: 0..<(frame.size * 8), using: &random)
            flipped[frame.offset + bit / 8] ^= 1 << (bit % 8)
            refuses(flipped, "bit \(bit) of the frame at \(frame.offset)")
            // A bit flipped in the sealed bytes of any frame, the last included, and its
            // CRC made right: AES-GCM refuses it.
            let sealedFrame = frames[Int.random(in: 0..<frames.count, using: &random)]
            var forged = Array(original[sealedFrame.offset..<(sealedFrame.offset + sealedFrame.size)])
            let byte = Int.random(in: RecordFrame.headerSize..<(forged.count - 4), using: &random)
            forged[byte] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            var tampered = original
            tampered.replaceSubrange(sealedFrame.offset..<(sealedFrame.offset + sealedFrame.size), with: Self.withValidCRC(forged))
            refuses(tampered, "byte \(byte) of the frame at \(sealedFrame.offset), CRC fixed")
        }
        // Two frames of one size swapped: each valid where it was, refused where it is now.
        let bySize = Dictionary(grouping: frames.dropLast(), by: \.size).values.first { $0.count >= 2 }
        let pair = try #require(bySize)
        var swapped = original
        let (a, b) = (pair[0], pair[1])
        swapped.replaceSubrange(a.offset..<(a.offset + a.size), with: original[b.offset..<(b.offset + b.size)])
        swapped.replaceSubrange(b.offset..<(b.offset + b.size), with: original[a.offset..<(a.offset + a.size)])
        refuses(swapped, "two frames swapped")
        // A frame from another data directory's file, at the same offset: another file id.
        let (other, _) = try await Self.populatedServer(keyring: keyring)
        let otherBytes = try #require(other.disk.bytes(of: path))
        let common = frames.first { frame in
            Self.frames(of: otherBytes).contains { $0.offset == frame.offset && $0.size == frame.size }
        }
        let foreign = try #require(common)
        var transplanted = original
        transplanted.replaceSubrange(foreign.offset..<(foreign.offset + foreign.size), with: otherBytes[foreign.offset..<(foreign.offset + foreign.size)])
        refuses(transplanted, "a frame from another file")
        // Put back, it recovers exactly.
        server.disk.overwrite(path, with: original)
        try server.restart()
        #expect(try server.contents(sessionIDs: sessions) == before)
    }

    @Test func aTornTailIsStillCut() async throws {
        let server = try SimulatedServer(keyring: AtRestKeyring(writing: Self.first))
        try await server.podium.boards.createBoard(name: "arena", config: BoardConfig())
        _ = try await server.podium.boards.submit(board: "arena", ScoreSubmission(member: "Zoë", score: 1))
        let before = try server.contents(sessionIDs: [])
        _ = try await server.podium.boards.submit(board: "arena", ScoreSubmission(member: "Zoë", score: 2))
        let path = try #require(Self.segments(of: server).last)
        let bytes = try #require(server.disk.bytes(of: path))
        let last = try #require(Self.frames(of: bytes).last)
        for cut in [1, last.size / 2, last.size - 1] {
            server.disk.overwrite(path, with: Array(bytes[..<(last.offset + cut)]))
            try server.restart()
            #expect(try server.contents(sessionIDs: []) == before)
            server.disk.overwrite(path, with: bytes)
        }
    }

    @Test func aMissingOrWrongKeyIsRefusedNamingTheKeyItNeeds() async throws {
        let (server, _) = try await Self.populatedServer(keyring: AtRestKeyring(writing: Self.first))
        let id = try #require(Self.first?.id)
        for keyring in [PlainKeyring(), AtRestKeyring(writing: Self.second)] as [any Keyring] {
            do {
                try server.restart(keyring: keyring)
                Issue.record("started without key \(id)")
            } catch let error as StorageError {
                guard case let .keyUnavailable(_, keyID) = error else { throw error }
                #expect(keyID == id)
                #expect(error.description.contains(id.description) && error.description.contains("--encryption-key-file"))
            }
        }
    }

    @Test func keysRotateThroughASnapshotAndEncryptionTurnsOnAndOff() async throws {
        let (server, sessions) = try await Self.populatedServer(keyring: PlainKeyring())
        var expected = try server.contents(sessionIDs: sessions)
        // Plain -> first -> second -> plain: each step reads the old files, writes under
        // the new key at once, and needs the old key until a snapshot rewrote them.
        let steps: [(writing: AtRestKey?, previous: AtRestKey?)] = [(Self.first, nil), (Self.second, Self.first), (nil, Self.second)]
        for (index, step) in steps.enumerated() {
            let rotating = AtRestKeyring(writing: step.writing, previous: step.previous.map { [$0] } ?? [])
            // A leftover where the new segment goes (a snapshot cut before listing it).
            let next = (Self.segments(of: server).last.flatMap { Int($0.filter(\.isNumber)) } ?? 0) + 1
            _ = try server.disk.open("/data/" + String(format: "segment-%08d.aof", next), flags: O_WRONLY | O_CREAT, mode: 0o600)
            try server.restart(keyring: rotating)
            #expect(try server.contents(sessionIDs: sessions) == expected, "step \(index)")
            #expect(server.store.encryption.keyID == step.writing?.id && server.store.encryption.filesUnderOtherKeys > 0)
            _ = try await server.podium.boards.submit(board: "all-time", ScoreSubmission(member: "step \(index)", score: Double(index)))
            expected = try server.contents(sessionIDs: sessions)
            if let previous = step.previous {
                // Without the previous key, the files not yet rewritten cannot be read.
                #expect(throws: StorageError.self) { try server.restart(keyring: AtRestKeyring(writing: step.writing)) }
                try server.restart(keyring: rotating)
                #expect(previous.id != step.writing?.id)
            }
            _ = try await server.podium.snapshot()
            #expect(server.store.encryption.filesUnderOtherKeys == 0)
            try server.restart(keyring: AtRestKeyring(writing: step.writing))
            #expect(try server.contents(sessionIDs: sessions) == expected, "step \(index), after the snapshot")
        }
    }

    @Test func anEncryptedBackupVerifiesDecryptsAndRestores() async throws {
        let keyring = AtRestKeyring(writing: Self.first)
        let (server, sessions) = try await Self.populatedServer(keyring: keyring)
        let expected = try server.contents(sessionIDs: sessions)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podium-encrypted-backup-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backup = try await server.podium.backup()
        let file = directory + "/all.backup"
        #expect(FileManager.default.createFile(atPath: file, contents: Data(try backup.read(from: 0, count: backup.size))))

        let withoutKey = try Backup.verify(path: file)
        #expect(withoutKey.unreadWithoutKey == Self.first?.id)
        #expect(throws: StorageError.self) { try Backup.restore(path: file, into: directory + "/no-key") }
        let summary = try Backup.verify(path: file, keyring: keyring)
        #expect(summary.unreadWithoutKey == nil && summary.boards == expected.boards.count && summary.sessions >= 1)

        try Backup.decrypt(path: file, keyring: keyring, to: directory + "/plain.backup")
        #expect(try Backup.verify(path: directory + "/plain.backup") == summary)

        #expect(try Backup.restore(path: file, into: directory + "/data", keyring: keyring) == summary)
        let (store, state, _) = try DurableStore.open(path: directory + "/data", policy: .no, keyring: keyring)
        defer { try? store.close() }
        let podium = Podium(store: store, recovered: state, clock: server.clock.read)
        for (name, board) in expected.boards {
            #expect(try podium.boards.top(board: name, offset: 0, limit: 1000).entries == board.entries)
        }
    }
}

/// Encrypted records are logged in the order writers took the log's lock, whether sealed
/// by the writer (`no`) or queued and sealed in groups by the flusher (`always`):
/// concurrent writers, with snapshots rolling the log under them, leave a log that
/// recovery reads whole, each member's last write last.
struct SealedAppendTests {
    @Test("concurrent sealed appends and rolls recover every record", arguments: [FsyncPolicy.always, .no])
    func concurrentSealedAppendsAndRollsRecoverEveryRecord(policy: FsyncPolicy) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sealed-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keyring = AtRestKeyring(writing: EncryptionAtRestTests.first)
        let (store, _, _) = try DurableStore.open(path: directory, policy: policy, keyring: keyring)
        try store.log.append(.boardCreated(board: "b", config: BoardConfig()))
        // The board as the service keeps it: changed under its lock, which is let go once
        // the record has its place in the log.
        let board = HandOverLock<[String: StoredEntry]>([:])
        let writers = 16, perWriter = 150
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for index in 0..<perWriter {
                        // Members written by several writers, and some appends of 30
                        // records in one frame, so that seals of unequal length overlap.
                        let members = (0..<(index % 7 == 0 ? 30 : 1)).map { "m\(index % 40)-\($0)-é" + String(repeating: "x", count: $0) }
                        let position = try board.withLock { (entries, release) throws(StorageError) in
                            let records = members.map { member in
                                let entry = StoredEntry(member: member, score: Double(writer), stamp: UInt64(writer * perWriter + index + 1))
                                entries[member] = entry
                                return LogRecord.scoreSet(board: "b", entry: entry)
                            }
                            return try store.log.append(records, onLocked: release)
                        }
                        try await store.log.waitUntilDurable(position)
                    }
                }
            }
            group.addTask {
                for _ in 0..<5 {
                    _ = try await store.snapshot { writer in
                        let entries = board.withLock { Array($0.values) }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.stamp < $1.stamp }
                        try writer.writeBoard(name: "b", config: BoardConfig(), sizeHint: entries.count) { _ in (entries, [], nil) }
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            try await group.waitForAll()
        }
        try store.close()
        let (reopened, boards, report) = try DurableStore.open(path: directory, policy: policy, keyring: keyring)
        defer { try? reopened.close() }
        #expect(report.truncatedBytes == 0)
        let recovered = Dictionary(uniqueKeysWithValues: (boards.boards["b"].map { Array($0.storedEntries) } ?? []).map { ($0.member, $0) })
        #expect(recovered == board.withLock { $0 })
    }
}
