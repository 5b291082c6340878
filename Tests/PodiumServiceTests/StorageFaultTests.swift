import Foundation
import Glibc
import PodiumEncryption
import PodiumEngine
import PodiumStorage
import PodiumSync
import PodiumTestSupport
import Testing

@testable import PodiumService

/// A service on a ``SimulatedDisk``, restarted as after a crash or a power cut.
final class SimulatedServer {
    let disk = SimulatedDisk()
    let path = "/data"
    let clock = TestClock()
    let policy: FsyncPolicy
    /// The keys the data directory is encrypted with (none: plain).
    private(set) var keyring: any Keyring
    private(set) var store: DurableStore
    private(set) var podium: Podium
    /// What the service reported when it went read-only.
    let readOnlyReasons = Recorded<String>()

    init(policy: FsyncPolicy = .always, keyring: any Keyring = PlainKeyring()) throws {
        self.policy = policy
        self.keyring = keyring
        (store, podium) = (try Self.open(disk, path, policy, keyring, clock, readOnlyReasons))
    }

    /// Recovers the service from what the disk holds now (after ``SimulatedDisk/powerCut(keeping:tearing:)``),
    /// with `keyring` from now on if given.
    func restart(keyring: (any Keyring)? = nil) throws {
        try? store.close()
        if let keyring { self.keyring = keyring }
        (store, podium) = try Self.open(disk, path, policy, self.keyring, clock, readOnlyReasons)
    }

    private static func open(
        _ disk: SimulatedDisk, _ path: String, _ policy: FsyncPolicy, _ keyring: any Keyring, _ clock: TestClock,
        _ reasons: Recorded<String>
    ) throws -> (DurableStore, Podium) {
        let (store, state, _) = try DurableStore.open(path: path, policy: policy, keyring: keyring, fileSystem: disk)
        return (store, Podium(store: store, recovered: state, clock: clock.read, onReadOnly: { reasons.append($0) }))
    }

    deinit { try? store.close() }

    /// Everything a client could read back: each board's config, seq and entries (with
    /// metadata), the keys and the live sessions.
    struct Contents: Equatable, CustomStringConvertible {
        var boards: [String: BoardContents] = [:]
        var keys: [String] = []
        var sessions: [String: [UInt8]] = [:]

        var description: String {
            "\(boards.count) boards (\(boards.values.map { $0.entries.count }.reduce(0, +)) entries), "
                + "\(keys.count) keys, \(sessions.count) sessions"
        }
    }

    struct BoardContents: Equatable {
        var config: BoardConfig
        var seq: UInt64
        var entries: [Entry]
    }

    func contents(sessionIDs: some Sequence<String>) throws -> Contents {
        var contents = Contents()
        for board in try podium.boards.listBoards() {
            let page = try podium.boards.top(board: board.name, offset: 0, limit: 1000)
            contents.boards[board.name] = BoardContents(config: board.config, seq: board.seq, entries: page.entries)
        }
        contents.keys = try podium.access.listKeys().map(\.name)
        for id in sessionIDs {
            if let session = try? podium.access.session(id: id) { contents.sessions[id] = session.data }
        }
        return contents
    }
}

/// Values appended from any thread, read by the test.
final class Recorded<Value: Sendable>: Sendable {
    private let values = Locked<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}


struct StorageFaultTests {
    @Test func aFailedFsyncMakesTheServerReadOnlyAndIsNeverRetried() async throws {
        let server = try SimulatedServer()
        let boards = server.podium.boards
        try await boards.createBoard(name: "arena", config: BoardConfig())
        _ = try await boards.submit(board: "arena", ScoreSubmission(member: "Zoë 🎮", score: 10))

        server.disk.inject { if case .sync = $0 { EIO } else { nil } }
        await #expect(throws: ServiceError.self) { try await boards.submit(board: "arena", ScoreSubmission(member: "b", score: 20)) }
        #expect(server.readOnlyReasons.all.count == 1)
        #expect(server.readOnlyReasons.all.first?.contains("Input/output error") == true)

        // The disk recovers; the server does not trust it again until a restart.
        server.disk.inject(nil)
        await #expect(throws: ServiceError.self) { try await boards.submit(board: "arena", ScoreSubmission(member: "c", score: 30)) }
        await #expect(throws: ServiceError.self) { try await server.podium.access.createKey(name: "k", role: .server) }
        #expect(server.podium.isHealthy == false)
        // Reads go on.
        #expect(try boards.entry(board: "arena", member: "Zoë 🎮").score == 10)
        #expect(try boards.listBoards().map(\.name) == ["arena"])
        #expect(server.readOnlyReasons.all.count == 1)

        server.disk.powerCut()
        try server.restart()
        #expect(try server.podium.boards.entry(board: "arena", member: "Zoë 🎮").score == 10)
        #expect(throws: ServiceError.self) { try server.podium.boards.entry(board: "arena", member: "c") }
        _ = try await server.podium.boards.submit(board: "arena", ScoreSubmission(member: "c", score: 30))
    }

    @Test func aFullDiskRefusesWritesThatChangeNothingAndWritesResumeWhenSpaceIsBack() async throws {
        let server = try SimulatedServer(policy: .everysec)
        let boards = server.podium.boards
        try await boards.createBoard(name: "arena", config: BoardConfig())
        _ = try await boards.submit(board: "arena", ScoreSubmission(member: "a", score: 1))
        // The log has its headroom: fill it, then the next reservation meets a full disk.
        server.disk.capacity = (server.disk.bytes(of: "/data/MANIFEST")?.count ?? 0) + 1 << 20
        #expect(await Self.fill(boards, batches: 2000)?.code == "storage_full")
        let before = try server.contents(sessionIDs: [])
        await #expect(throws: ServiceError.self) { try await boards.submit(board: "arena", ScoreSubmission(member: "late", score: 5)) }
        await #expect(throws: ServiceError.self) { try await server.podium.access.createSession(player: "p", ttlSeconds: 60, data: []) }
        #expect(try server.contents(sessionIDs: []) == before)
        #expect(server.podium.isHealthy)

        server.disk.capacity = nil
        _ = try await boards.submit(board: "arena", ScoreSubmission(member: "late", score: 5))
        let after = try server.contents(sessionIDs: [])
        server.disk.powerCut(keeping: { $0 })
        try server.restart()
        #expect(try server.contents(sessionIDs: []) == after)
    }

    /// Submits batches of padded entries until one is refused; returns why.
    static func fill(_ boards: BoardRegistry, batches: Int) async -> ServiceError? {
        let pad = Array(#"{"pad":"\#(String(repeating: "x", count: 200))"}"#.utf8)
        for index in 0..<batches {
            let batch = (0..<40).map { ScoreSubmission(member: "m\(index)-\($0)", score: Double($0), metadata: pad) }
            do {
                _ = try await boards.submitBatch(board: "arena", batch)
            } catch {
                return error
            }
        }
        return nil
    }

    /// Every write reserves a quarter of podiumd's 16 MiB preallocation step before it
    /// changes anything (``Journal/checkWritable()``), so a full disk is met there, with a
    /// 507 and nothing changed, never part way through a record. That holds only if no
    /// write is larger: the largest one the service can make (a full batch, the longest
    /// board name, member ids and metadata, every entry evicting one, sealed) must fit.
    @Test func theLargestWriteFitsTheRoomReservedBeforeEveryWrite() async throws {
        let server = try SimulatedServer(keyring: AtRestKeyring(writing: EncryptionAtRestTests.first))
        let board = String(repeating: "b", count: LogRecord.maxBoardNameBytes)
        try await server.podium.boards.createBoard(name: board, config: BoardConfig(maxSize: 1))
        let metadata = Array(#"{"pad":"\#(String(repeating: "x", count: LogRecord.maxMetadataBytes - 10))"}"#.utf8)
        let batch = (0..<BoardRegistry.maxBatch).map { index in
            let member = String(repeating: "🎮", count: MemberID.maxByteCount / 4 - 2) + String(format: "%08d", index)
            return ScoreSubmission(member: member, score: Double(index), metadata: metadata)
        }
        #expect(metadata.count == LogRecord.maxMetadataBytes && batch[0].member.utf8.count == MemberID.maxByteCount)
        let before = server.podium.logStatistics.bytesWritten
        let results = try await server.podium.boards.submitBatch(board: board, batch)
        #expect(results.compactMap { try? $0.get() }.filter { $0.evicted != nil }.count == batch.count - 1)
        let written = Int(server.podium.logStatistics.bytesWritten - before)
        #expect(written <= PosixFileSystem().preallocationStep / 4, "the largest write is \(written) bytes")
    }

    @Test func aWriteCutShortByAFullDiskLeavesAValidLog() async throws {
        let server = try SimulatedServer()
        let boards = server.podium.boards
        try await boards.createBoard(name: "arena", config: BoardConfig())
        _ = try await boards.submit(board: "arena", ScoreSubmission(member: "a", score: 1))
        let acknowledged = try server.contents(sessionIDs: [])
        // Past the reserved room: the write itself runs out of space part way.
        server.disk.inject { if case .write = $0 { ENOSPC } else { nil } }
        await #expect(throws: ServiceError.self) {
            try await boards.submitBatch(board: "arena", (0..<50).map { ScoreSubmission(member: "m\($0)", score: Double($0)) })
        }
        #expect(server.podium.isHealthy == false)
        server.disk.inject(nil)
        server.disk.powerCut(keeping: { $0 })
        try server.restart()
        #expect(try server.contents(sessionIDs: []) == acknowledged)
    }

    @Test func aBitFlippedInASnapshotAtRestIsRefusedByName() async throws {
        let server = try SimulatedServer()
        try await server.podium.boards.createBoard(name: "arena", config: BoardConfig())
        _ = try await server.podium.boards.submitBatch(board: "arena", (0..<100).map { ScoreSubmission(member: "José \($0)", score: Double($0)) })
        let snapshot = try await server.podium.snapshot()
        let path = "/data/" + snapshot.file
        var bytes = try #require(server.disk.bytes(of: path))
        bytes[bytes.count / 2] ^= 0x10
        server.disk.overwrite(path, with: bytes)
        server.disk.powerCut(keeping: { $0 })
        do {
            try server.restart()
            Issue.record("a damaged snapshot was loaded")
        } catch let error as StorageError {
            #expect(error.description.contains(snapshot.file))
            #expect(error.description.contains("podium check"))
        }
    }
}
