import Testing

@testable import PodiumEngine
@testable import PodiumStorage

/// The data directory end to end, in process: write, close, reopen, damage, repair.
struct DurableStoreTests {
    static let configs: [BoardConfig] =
        ScoreOrder.allCases.flatMap { order in
            TieBreak.allCases.flatMap { tieBreak in
                UpdatePolicy.allCases.map { BoardConfig(order: order, update: $0, tieBreak: tieBreak, maxSize: $0 == .set ? 50 : nil) }
            }
        } + ResetPeriod.allCases.map { BoardConfig(reset: ResetSchedule(every: $0, minuteOfDay: 90, timeZone: "Europe/Paris", keep: 3)) }

    /// Writes random scores to a board as the service will: apply, then log the effect.
    static func fill(_ board: inout Leaderboard, name: String, log: AppendOnlyLog, count: Int, seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        for _ in 0..<count {
            let member = "p\(random.next() % 80)-é"
            if random.next() % 10 == 0 {
                if board.remove(member: member) != nil { try log.append(.memberRemoved(board: name, member: member)) }
                continue
            }
            let update = try board.submit(member: member, score: Double(random.next() % 40) - 10)
            if update.changed, let score = update.score {
                try log.append(.scoreSet(board: name, entry: StoredEntry(member: member, score: score, stamp: update.stamp)))
            }
            if let evicted = update.evicted { try log.append(.memberRemoved(board: name, member: evicted.member)) }
        }
    }

    /// A segment of three records, "kept" then "last": its bytes and where "last" starts.
    static func logKeptThenLast(in directory: TemporaryDirectory) throws -> (bytes: [UInt8], lastStart: Int) {
        let (store, _, _) = try DurableStore.open(path: directory.path, policy: .no)
        try store.log.append(.boardCreated(board: "b", config: BoardConfig()))
        try store.log.append(.scoreSet(board: "b", entry: StoredEntry(member: "kept", score: 1, stamp: 1)))
        let last = LogRecord.scoreSet(board: "b", entry: StoredEntry(member: "last", score: 2, stamp: 2))
        try store.log.append(last)
        try store.close()
        let bytes = try directory.bytes(of: "segment-00000001.aof")
        return (bytes, bytes.count - frame(last).count)
    }

    static func frame(_ record: LogRecord) -> [UInt8] {
        var payload = ByteWriter()
        record.encodePayload(into: &payload)
        var bytes: [UInt8] = []
        RecordFrame.append(kind: record.kind.rawValue, payload: payload.bytes, to: &bytes)
        return bytes
    }

    static func state(_ boards: StoredState) -> [String: [StoredEntry]] {
        boards.boards.mapValues { Array($0.storedEntries) }
    }

    @Test func aFreshDirectoryStartsEmptyAndHoldsItsManifestAndLock() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (store, boards, report) = try DurableStore.open(path: directory.path, policy: .always)
        #expect(boards.boards.isEmpty)
        #expect(report == RecoveryReport(segments: 1))
        #expect(directory.names() == ["LOCK", "MANIFEST", "segment-00000001.aof"])
        try store.close()
    }

    @Test func aSecondOpenIsRefusedWhileTheFirstHoldsTheLock() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (store, _, _) = try DurableStore.open(path: directory.path, policy: .no)
        #expect(throws: StorageError.self) { try DurableStore.open(path: directory.path, policy: .no) }
        do {
            _ = try DurableStore.open(path: directory.path, policy: .no)
        } catch let error as StorageError {
            #expect(error.description.contains("in use by another process"))
        }
        try store.close()
    }

    @Test("log and snapshot round-trip every board config", arguments: [false, true])
    func roundTrip(withSnapshot: Bool) async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var expected: [String: [StoredEntry]] = [:]
        do {
            let (store, _, _) = try DurableStore.open(path: directory.path, policy: .everysec)
            var live = StoredState()
            for (index, config) in Self.configs.enumerated() {
                let name = "board-\(index)"
                try store.log.append(.boardCreated(board: name, config: config))
                var board = try Leaderboard(config: config)
                try Self.fill(&board, name: name, log: store.log, count: 400, seed: UInt64(index))
                live.boards[name] = board
            }
            try store.log.append(.boardCreated(board: "dropped", config: BoardConfig()))
            try store.log.append(.boardDropped(board: "dropped"))
            if withSnapshot {
                let summary = try await store.snapshot { writer in
                    for (name, board) in live.boards.sorted(by: { $0.key < $1.key }) {
                        try writer.beginBoard(name: name, config: board.config, sizeHint: board.count)
                        try writer.write(Array(board.storedEntries))
                    }
                }
                #expect(summary.bytes > 0)
                // Writes after the snapshot land in the new segment.
                var board = try #require(live.boards["board-0"])
                try Self.fill(&board, name: "board-0", log: store.log, count: 100, seed: 99)
                live.boards["board-0"] = board
            }
            expected = Self.state(live)
            try store.close()
        }
        let (store, boards, report) = try DurableStore.open(path: directory.path, policy: .everysec)
        #expect(Self.state(boards) == expected)
        #expect(report.truncatedBytes == 0 && report.warnings.isEmpty)
        if withSnapshot {
            #expect(report.snapshot == "snapshot-00000002.snap")
            #expect(directory.names() == ["LOCK", "MANIFEST", "segment-00000002.aof", "snapshot-00000002.snap"])
        }
        for board in boards.boards.values { board.checkInvariants() }
        try store.close()
    }

    @Test("keys and sessions survive through the log and a snapshot", arguments: [false, true])
    func credentialsRoundTrip(withSnapshot: Bool) async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        func key(_ name: String) -> StoredKey { StoredKey(name: name, role: "server", tokenHash: Array(repeating: 1, count: 32), createdAt: 5) }
        func session(_ id: String, data: String = "") -> StoredSession {
            StoredSession(id: id, player: "p-\(id)", tokenHash: Array(repeating: 2, count: 32), expiresAt: 1000, ttlSeconds: 10, data: Array(data.utf8))
        }
        var live = StoredState()
        do {
            let (store, _, _) = try DurableStore.open(path: directory.path, policy: .everysec)
            func log(_ records: [LogRecord]) throws {
                for record in records { _ = try live.apply(record) }
                try store.log.append(records)
            }
            try log([.keyCreated(key("a")), .keyCreated(key("b")), .sessionStored(session("s1")), .sessionStored(session("s2"))])
            if withSnapshot {
                _ = try await store.snapshot { try $0.writeCredentials(keys: live.keys.values, sessions: live.sessions.values) }
            }
            try log([.keyRevoked(name: "a"), .sessionExtended(id: "s1", expiresAt: 2000), .sessionEnded(id: "s2")])
            try log([.sessionStored(session("s3", data: #"{"x":1}"#))])
            try store.close()
        }
        let (store, state, _) = try DurableStore.open(path: directory.path, policy: .everysec)
        #expect(state.keys == live.keys)
        #expect(state.sessions == live.sessions)
        #expect(state.keys.keys.sorted() == ["b"])
        #expect(state.sessions["s1"]?.expiresAt == 2000)
        try store.close()
    }

    @Test func aTornTailIsCutAtEveryOffsetAndEarlierRecordsSurvive() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (whole, lastStart) = try Self.logKeptThenLast(in: directory)
        for cut in lastStart..<whole.count {
            try directory.write(Array(whole[..<cut]), to: "segment-00000001.aof")
            let (store, boards, report) = try DurableStore.open(path: directory.path, policy: .no)
            #expect(boards.boards["b"]?.score(of: "kept") == 1, "cut at \(cut)")
            #expect(boards.boards["b"]?.score(of: "last") == nil, "cut at \(cut)")
            #expect(report.truncatedBytes == cut - lastStart)
            #expect(report.warnings.count == (cut > lastStart ? 1 : 0))
            // The cut is durable: the file now ends at the last whole record.
            #expect(try directory.bytes(of: "segment-00000001.aof").count == lastStart)
            try store.close()
        }
    }

    @Test func aFlippedBitBeforeTheTailRefusesToStartAndRepairKeepsWhatPrecedesIt() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        do {
            let (store, _, _) = try DurableStore.open(path: directory.path, policy: .no)
            try store.log.append(.boardCreated(board: "b", config: BoardConfig()))
            for index in 1...3 {
                try store.log.append(.scoreSet(board: "b", entry: StoredEntry(member: "m\(index)", score: 1, stamp: UInt64(index))))
            }
            try store.close()
        }
        var bytes = try directory.bytes(of: "segment-00000001.aof")
        // A byte inside the second score record: two whole records follow it.
        let secondScore = FileHeader.size + Self.frame(.boardCreated(board: "b", config: BoardConfig())).count
            + Self.frame(.scoreSet(board: "b", entry: StoredEntry(member: "m1", score: 1, stamp: 1))).count + 12
        bytes[secondScore] ^= 0x10
        try directory.write(bytes, to: "segment-00000001.aof")
        do {
            _ = try DurableStore.open(path: directory.path, policy: .no)
            Issue.record("a damaged log was loaded")
        } catch let error as StorageError {
            guard case let .corrupt(file, offset, _) = error else { Issue.record("\(error)"); return }
            #expect(file.hasSuffix("segment-00000001.aof") && offset > FileHeader.size)
            #expect(error.description.contains("podium check"))
        }
        let reports = try StorageCheck.check(path: directory.path)
        #expect(reports.count == 1 && reports[0].problem != nil && reports[0].isRepairable)
        _ = try StorageCheck.repair(path: directory.path)
        #expect(directory.names().contains("segment-00000001.aof.damaged"))
        #expect(try StorageCheck.check(path: directory.path).allSatisfy { $0.problem == nil })
        let (store, boards, _) = try DurableStore.open(path: directory.path, policy: .no)
        #expect(boards.boards["b"]?.count == 1)  // m1 precedes the damage
        try store.close()
    }

    @Test func aDamagedSnapshotIsRefused() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        do {
            let (store, _, _) = try DurableStore.open(path: directory.path, policy: .no)
            try store.log.append(.boardCreated(board: "b", config: BoardConfig()))
            var board = try Leaderboard()
            for index in 0..<100 { _ = try board.submit(member: "m\(index)", score: Double(index)) }
            _ = try await store.snapshot { writer in
                try writer.beginBoard(name: "b", config: board.config, sizeHint: board.count)
                try writer.write(Array(board.storedEntries))
            }
            try store.close()
        }
        var bytes = try directory.bytes(of: "snapshot-00000002.snap")
        bytes[bytes.count / 2] ^= 0x01
        try directory.write(bytes, to: "snapshot-00000002.snap")
        #expect(throws: StorageError.self) { try DurableStore.open(path: directory.path, policy: .no) }
        let reports = try StorageCheck.check(path: directory.path)
        #expect(reports.first?.problem != nil && reports.first?.isRepairable == false)
    }
}


/// `always`: every acknowledged append is covered by an fsync, and concurrent writers share
/// them, and the frame written before it.
struct GroupCommitTests {
    @Test func concurrentWritersShareFsyncs() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (store, _, _) = try DurableStore.open(path: directory.path, policy: .always)
        try store.log.append(.boardCreated(board: "b", config: BoardConfig()))
        let writers = 64, perWriter = 20
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for index in 0..<perWriter {
                        let stamp = UInt64(writer * perWriter + index + 1)
                        let position = try store.log.append(
                            .scoreSet(board: "b", entry: StoredEntry(member: "w\(writer)-\(index)", score: 1, stamp: stamp)))
                        try await store.log.waitUntilDurable(position)
                    }
                }
            }
            try await group.waitForAll()
        }
        let syncs = store.log.statistics.syncs
        #expect(syncs >= 1 && syncs < writers * perWriter)
        try store.close()
        // The flusher writes what the writers queued as one frame before each fsync (and the
        // close writes what is left), not a frame per append.
        let frames = try StorageCheck.check(path: directory.path).filter { $0.file.hasSuffix(".aof") }.map(\.frames).reduce(0, +)
        #expect(frames <= syncs + 1)
        let (reopened, boards, _) = try DurableStore.open(path: directory.path, policy: .always)
        #expect(boards.boards["b"]?.count == writers * perWriter)
        try reopened.close()
    }
}

/// The log compacts itself into a snapshot once it outgrows the last one.
struct CompactionTests {
    @Test func aGrowingLogIsCompactedInTheBackground() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (store, _, _) = try DurableStore.open(path: directory.path, policy: .no)
        try store.log.append(.boardCreated(board: "b", config: BoardConfig(update: .set)))
        var board = try Leaderboard(config: BoardConfig(update: .set))
        for index in 0..<2_000 {
            let member = "m\(index % 100)"
            let update = try board.submit(member: member, score: Double(index))
            try store.log.append(.scoreSet(board: "b", entry: StoredEntry(member: member, score: Double(index), stamp: update.stamp)))
        }
        let snapshot = board
        let compaction = Task {
            await store.compact(policy: .init(multiple: 2, minimumBytes: 1_000, interval: .milliseconds(10))) { writer in
                try writer.writeBoard(name: "b", config: snapshot.config, sizeHint: snapshot.count) { cursor in
                    let chunk = snapshot.storedEntries(after: cursor, limit: 16)
                    return (chunk.entries, snapshot.metadata(of: chunk.entries), chunk.next)
                }
            }
        }
        var compacted = false
        for _ in 0..<300 where !compacted {
            try await Task.sleep(for: .milliseconds(10))
            compacted = directory.names().contains { $0.hasPrefix("snapshot-") && $0.hasSuffix(".snap") }
        }
        compaction.cancel()
        await compaction.value
        #expect(compacted)
        // 2,000 records became 100 entries: the log is far below twice the snapshot now.
        #expect(!store.needsCompaction(multiple: 2, minimumBytes: 1_000))
        try store.close()
        let (reopened, boards, _) = try DurableStore.open(path: directory.path, policy: .no)
        #expect(boards.boards["b"].map { Array($0.storedEntries) } == Array(board.storedEntries))
        try reopened.close()
    }
}

/// The log preallocates its segment: zeros after the last record are padding, and a
/// record cut short inside them is a torn tail, not damage.
struct PreallocationTests {
    @Test func aRecordCutShortInsidePaddingIsTornAndPaddingAloneIsClean() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (whole, lastStart) = try DurableStoreTests.logKeptThenLast(in: directory)
        let padding = [UInt8](repeating: 0, count: 4096)
        // Padding alone: a clean end, nothing lost, no warning.
        try directory.write(whole + padding, to: "segment-00000001.aof")
        do {
            let (store, boards, report) = try DurableStore.open(path: directory.path, policy: .no)
            #expect(boards.boards["b"]?.count == 2 && report.warnings.isEmpty && report.truncatedBytes == 0)
            try store.close()
        }
        // The last record cut anywhere, the rest of it zeros as in preallocated space.
        for cut in lastStart + 1..<whole.count {
            try directory.write(Array(whole[..<cut]) + padding, to: "segment-00000001.aof")
            let (store, boards, report) = try DurableStore.open(path: directory.path, policy: .no)
            #expect(boards.boards["b"]?.score(of: "kept") == 1 && boards.boards["b"]?.score(of: "last") == nil, "cut at \(cut)")
            #expect(report.warnings.count == 1, "cut at \(cut)")
            try store.close()
        }
        // Zeros in the middle, with a whole record after them, are damage.
        var holed = whole
        for index in lastStart - 20..<lastStart - 10 { holed[index] = 0 }
        try directory.write(holed + padding, to: "segment-00000001.aof")
        #expect(throws: StorageError.self) { try DurableStore.open(path: directory.path, policy: .no) }
    }
}
