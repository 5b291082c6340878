import PodiumEngine

/// Loads a snapshot written by ``SnapshotWriter``: every frame must verify and the end
/// frame must be there with matching counts, or nothing is loaded.
enum SnapshotReader {
    /// Adds the snapshot's boards to `boards`; returns the entries read. O(n log n).
    static func load(_ bytes: [UInt8], file: String, into boards: inout StoredState) throws -> Int {
        var pending: (name: String, builder: Leaderboard.Builder)?
        var loaded = StoredState()
        // What the frames held, for the end frame's counts: `change` frames may add or
        // remove boards, keys and sessions after them.
        var entries = 0, boardFrames = 0, keyFrames = 0, sessionFrames = 0
        var ended = false

        func finishBoard() {
            guard let board = pending else { return }
            pending = nil
            loaded.boards[board.name] = board.builder.build()
        }

        let outcome = try bytes.withUnsafeBytes { raw in
            try FileHeader.check(raw, magic: FileHeader.snapshotMagic, file: file)
            return try FrameScanner.scan(raw, file: file) { (kind, payload, offset) throws(StorageError) in
                func damaged(_ reason: String) -> StorageError { .corrupt(file: file, offset: offset, reason: reason) }
                guard !ended else { throw damaged("frames after the end frame") }
                do {
                    var reader = ByteReader(payload)
                    switch SnapshotFrame(rawValue: kind) {
                    case .board:
                        finishBoard()
                        let name = try reader.readString(maxBytes: LogRecord.maxBoardNameBytes)
                        let config = try BoardConfigCoding.decode(from: &reader)
                        let sizeHint = try reader.readVarint()
                        guard reader.isAtEnd, loaded.boards[name] == nil else { throw damaged("board frame for '\(name)'") }
                        // A hint, but a damaged one must not reserve the machine's memory.
                        let capacity = Int(min(sizeHint, UInt64(raw.count)))
                        pending = (name, try Leaderboard.Builder(config: config, capacity: capacity))
                        boardFrames += 1
                    case .sequence:
                        guard let board = pending, loaded.sequences[board.name] == nil else { throw damaged("sequence outside a board") }
                        let seq = try reader.readVarint()
                        guard reader.isAtEnd, seq <= LogRecord.maxSequence else { throw damaged("sequence frame") }
                        loaded.sequences[board.name] = seq
                    case .entries:
                        // Taken out while it grows, so its storage is not copied.
                        guard var board = pending else { throw damaged("entries outside a board") }
                        pending = nil
                        entries += try SnapshotFrame.decodeEntries(payload, into: &board.builder)
                        pending = board
                    case .end:
                        finishBoard()
                        let boardCount = try reader.readVarint(), entryCount = try reader.readVarint()
                        let keyCount = reader.isAtEnd ? 0 : try reader.readVarint()
                        let sessionCount = reader.isAtEnd ? 0 : try reader.readVarint()
                        guard reader.isAtEnd, boardCount == UInt64(boardFrames), entryCount == UInt64(entries),
                            keyCount == UInt64(keyFrames), sessionCount == UInt64(sessionFrames)
                        else {
                            throw damaged("end frame counts \(boardCount) boards, \(entryCount) entries, \(keyCount) keys, \(sessionCount) sessions")
                        }
                        ended = true
                    case .key:
                        finishBoard()
                        let key = try CredentialCoding.decodeKey(from: &reader)
                        guard reader.isAtEnd, loaded.keys.updateValue(key, forKey: key.name) == nil else { throw damaged("key frame") }
                        keyFrames += 1
                    case .session:
                        finishBoard()
                        let session = try CredentialCoding.decodeSession(from: &reader)
                        guard reader.isAtEnd, loaded.sessions.updateValue(session, forKey: session.id) == nil else {
                            throw damaged("session frame")
                        }
                        sessionFrames += 1
                    case .change:
                        finishBoard()
                        let logKind = try reader.readUInt8()
                        let record = try LogRecord.decode(kind: logKind, payload: UnsafeRawBufferPointer(rebasing: payload.dropFirst()))
                        _ = try loaded.apply(record)
                    case nil:
                        throw damaged("unknown snapshot frame kind \(kind)")
                    }
                } catch let error as StorageError {
                    throw error
                } catch let error as FormatError {
                    throw damaged(error.reason)
                } catch {
                    throw .inconsistent(file: file, offset: offset, reason: "\(error)")
                }
            }
        }
        guard ended, outcome.tornBytes == 0 else {
            throw StorageError.corrupt(file: file, offset: outcome.validLength, reason: "the snapshot ends before its end frame")
        }
        boards.boards.merge(loaded.boards) { _, snapshot in snapshot }
        boards.sequences.merge(loaded.sequences) { _, snapshot in snapshot }
        boards.keys.merge(loaded.keys) { _, snapshot in snapshot }
        boards.sessions.merge(loaded.sessions) { _, snapshot in snapshot }
        return entries
    }
}
