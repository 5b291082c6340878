import PodiumEngine

/// Loads a snapshot written by ``SnapshotWriter``: every frame must verify and the end
/// frame must be there with matching counts, or nothing is loaded.
enum SnapshotReader {
    /// Adds the snapshot's boards to `boards`; returns the entries read. O(n log n).
    static func load(_ bytes: [UInt8], file: String, into boards: inout BoardSet) throws -> Int {
        var pending: (name: String, config: BoardConfig, entries: [StoredEntry])?
        var loaded = BoardSet()
        var entryTotal = 0
        var ended = false

        func finishBoard(at offset: Int) throws(StorageError) {
            guard let board = pending else { return }
            entryTotal += board.entries.count
            do {
                loaded.boards[board.name] = try Leaderboard(config: board.config, entries: board.entries)
            } catch {
                throw .inconsistent(file: file, offset: offset, reason: "board '\(board.name)': \(error)")
            }
            pending = nil
        }

        let outcome = try bytes.withUnsafeBytes { (raw) throws(StorageError) -> FrameScanner.Outcome in
            try FileHeader.check(raw, magic: FileHeader.snapshotMagic, file: file)
            return try FrameScanner.scan(raw, file: file) { (kind, payload, offset) throws(StorageError) in
                guard !ended else { throw .corrupt(file: file, offset: offset, reason: "frames after the end frame") }
                if kind != SnapshotFrame.entries.rawValue { try finishBoard(at: offset) }
                do throws(FormatError) {
                    var reader = ByteReader(payload)
                    switch SnapshotFrame(rawValue: kind) {
                    case .board:
                        let name = try reader.readString(maxBytes: LogRecord.maxBoardNameBytes)
                        let config = try BoardConfigCoding.decode(from: &reader)
                        guard reader.isAtEnd, loaded.boards[name] == nil else { throw .malformed("board frame for '\(name)'") }
                        pending = (name, config, [])
                    case .entries:
                        // Taken out while it grows, so the entries array is not copied.
                        guard var board = pending else { throw .malformed("entries outside a board") }
                        pending = nil
                        try SnapshotFrame.decodeEntries(payload, into: &board.entries)
                        pending = board
                    case .end:
                        let boardCount = try reader.readVarint(), entryCount = try reader.readVarint()
                        guard reader.isAtEnd, boardCount == UInt64(loaded.boards.count), entryCount == UInt64(entryTotal) else {
                            throw .malformed("end frame counts \(boardCount) boards, \(entryCount) entries")
                        }
                        ended = true
                    case nil:
                        throw .malformed("unknown snapshot frame kind \(kind)")
                    }
                } catch {
                    throw .corrupt(file: file, offset: offset, reason: error.reason)
                }
            }
        }
        guard ended, outcome.tornBytes == 0 else {
            throw StorageError.corrupt(file: file, offset: outcome.validLength, reason: "the snapshot ends before its end frame")
        }
        boards.boards.merge(loaded.boards) { _, snapshot in snapshot }
        return entryTotal
    }
}
