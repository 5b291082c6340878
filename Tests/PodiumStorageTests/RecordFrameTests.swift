import PodiumEngine
import Testing

@testable import PodiumStorage

struct RecordFrameTests {
    static let records: [LogRecord] = [
        .boardCreated(board: "weekly.race-1", config: BoardConfig(order: .ascending, update: .set, tieBreak: .member, maxSize: 100)),
        .boardCreated(board: "b", config: BoardConfig()),
        .scoreSet(board: "b", entry: StoredEntry(member: "日本語👾", score: -.greatestFiniteMagnitude, stamp: 1)),
        .scoreSet(board: "b", entry: StoredEntry(member: String(repeating: "x", count: 128), score: 0.1, stamp: .max - 1)),
        .memberRemoved(board: "b", member: "gone"),
        .boardDropped(board: "weekly.race-1"),
        .boardCreated(board: "open", config: BoardConfig(playerSubmit: true)),
        .boardCreated(board: "bounded", config: BoardConfig(update: .increment, minScore: -0.5, maxScore: 1e9)),
        .boardCreated(board: "floor", config: BoardConfig(playerSubmit: true, minScore: 0)),
        .boardCreated(board: "ceiling", config: BoardConfig(maxScore: -.greatestFiniteMagnitude)),
        .boardCreated(
            board: "weekly", config: BoardConfig(minScore: 0, reset: ResetSchedule(every: .weekly, minuteOfDay: 1439, timeZone: "America/Argentina/ComodRivadavia", keep: 1000))),
        .boardCreated(board: "daily", config: BoardConfig(reset: ResetSchedule(every: .daily))),
        .seasonBegan(board: "daily", at: 1_790_000_000_000),
        .seasonBegan(board: "old", at: -1),
        .boardReset(board: "daily", season: "2026-W53.12", at: 1_790_000_000_001),
        .metadataSet(board: "daily", member: "日本語👾", json: Array(#"{"country":"JP","name":"ルイ ⚽","x":[1,2.5,null]}"#.utf8)),
        .metadataSet(board: "daily", member: "m", json: Array(("{\"a\":\"" + String(repeating: "z", count: 1016) + "\"}").utf8)),
        .keyCreated(StoredKey(name: "game-server", role: "server", tokenHash: Array(repeating: 7, count: 32), createdAt: 1_790_000_000_000)),
        .keyRevoked(name: "game-server"),
        .sessionStored(
            StoredSession(
                id: "s1", player: "日本語👾", tokenHash: Array(0..<32), expiresAt: 1_790_000_060_000, ttlSeconds: 60,
                data: Array(#"{"level":3}"#.utf8))),
        .sessionStored(StoredSession(id: "s2", player: "p", tokenHash: Array(0..<32), expiresAt: 0, ttlSeconds: 1, data: [])),
        .sessionExtended(id: "s1", expiresAt: 1_790_000_120_000),
        .sessionEnded(id: "s1"),
        .boardSequence(board: "b", seq: 1 << 40),
    ]

    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        let whole = CRC32C.checksum(Array("hello, world".utf8))
        let split = CRC32C.checksum(Array(", world".utf8), continuing: CRC32C.checksum(Array("hello".utf8)))
        #expect(whole == split)
    }

    @Test("every record kind round-trips", arguments: records)
    func roundTrip(record: LogRecord) throws {
        var bytes: [UInt8] = []
        var payload = ByteWriter()
        record.encodePayload(into: &payload)
        RecordFrame.append(kind: record.kind.rawValue, payload: payload.bytes, to: &bytes)
        let decoded = try bytes.withUnsafeBytes { raw -> LogRecord in
            guard case let .frame(kind, payload, size) = RecordFrame.scan(raw), size == bytes.count else {
                throw FormatError.malformed("no frame")
            }
            return try LogRecord.decode(kind: kind, payload: payload)
        }
        #expect(decoded == record)
    }

    @Test func unknownKindsAndTrailingBytesAreRefused() {
        #expect(throws: FormatError.self) { try [UInt8](repeating: 0, count: 4).withUnsafeBytes { try LogRecord.decode(kind: 99, payload: $0) } }
        var payload = ByteWriter()
        LogRecord.boardDropped(board: "b").encodePayload(into: &payload)
        payload.write(UInt8(7))
        #expect(throws: FormatError.self) { try payload.bytes.withUnsafeBytes { try LogRecord.decode(kind: 2, payload: $0) } }
    }

    @Test func aCutAnywhereInTheLastFrameIsTornAndAFlippedBitIsCorrupt() {
        var bytes: [UInt8] = []
        for record in Self.records {
            var payload = ByteWriter()
            record.encodePayload(into: &payload)
            RecordFrame.append(kind: record.kind.rawValue, payload: payload.bytes, to: &bytes)
        }
        bytes.withUnsafeBytes { raw in
            guard case let .frame(_, _, size) = RecordFrame.scan(raw) else { Issue.record("no first frame"); return }
            for cut in 0..<size {
                guard case .torn = RecordFrame.scan(UnsafeRawBufferPointer(rebasing: raw[0..<cut])) else {
                    Issue.record("a cut at \(cut) of \(size) is not torn")
                    return
                }
            }
        }
        for bit in 0..<(bytes.count * 8) where bit % 7 == 0 {
            var damaged = bytes
            damaged[bit / 8] ^= 1 << (bit % 8)
            let firstFrameRefused = damaged.withUnsafeBytes { raw -> Bool in
                if case .corrupt = RecordFrame.scan(raw) { return true }
                return false
            }
            let frameSize = bytes.withUnsafeBytes { raw -> Int in
                if case let .frame(_, _, size) = RecordFrame.scan(raw) { return size }
                return 0
            }
            if bit / 8 < frameSize { #expect(firstFrameRefused, "bit \(bit) flipped in the first frame is not refused") }
        }
    }
}
