import PodiumEngine

/// Loads a snapshot written by ``SnapshotWriter``: every frame must verify and the end
/// frame must be there with matching counts, or nothing is loaded.
enum SnapshotReader {
    /// Adds the snapshot's boards to `boards`; returns the entries read. O(n log n).
    /// An encrypted snapshot needs its key in `keyring`.
    static func load(_ bytes: [UInt8], file: String, keyring: any Keyring = PlainKeyring(), into boards: inout StoredState) throws -> Int {
        /// The board whose entries come next: the live board just begun, or one of its seasons.
        struct Pending {
            var name: String
            var season: (id: String, from: Int64?, to: Int64)?
            var builder: Leaderboard.Builder
        }
        var pending: Pending?
        /// The last board frame's name and config: `began` and `season` frames belong to it.
        var current: (name: String, config: BoardConfig)?
        var loaded = StoredState()
        // What the frames held, for the end frame's counts: `change` frames may add or
        // remove boards, keys and sessions after them.
        var entries = 0, boardFrames = 0, keyFrames = 0, sessionFrames = 0
        var ended = false

        func finishBoard() {
            guard let board = pending else { return }
            pending = nil
            if let season = board.season {
                loaded.seasons[board.name, default: []].append(
                    StoredState.StoredSeason(id: season.id, from: season.from, to: season.to, board: board.builder.build()))
            } else {
                loaded.boards[board.name] = board.builder.build()
            }
        }

        let (outcome, _) = try FrameScanner.scanFile(bytes, magic: FileHeader.snapshotMagic, file: file, keyring: keyring) {
            (kind, payload, offset) throws(StorageError) in
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
                    let capacity = Int(min(sizeHint, UInt64(bytes.count)))
                    pending = Pending(name: name, builder: try Leaderboard.Builder(config: config, capacity: capacity))
                    current = (name, config)
                    boardFrames += 1
                case .began:
                    guard let board = current, pending?.season == nil, loaded.seasonStarts[board.name] == nil else {
                        throw damaged("began outside a board")
                    }
                    loaded.seasonStarts[board.name] = Int64(bitPattern: try reader.readVarint())
                    guard reader.isAtEnd else { throw damaged("began frame") }
                case .season:
                    guard let board = current else { throw damaged("season outside a board") }
                    finishBoard()
                    let id = try reader.readString(maxBytes: LogRecord.maxSeasonBytes)
                    let hasFrom = try reader.readUInt8()
                    guard hasFrom <= 1 else { throw damaged("season frame") }
                    let from = hasFrom == 1 ? Int64(bitPattern: try reader.readVarint()) : nil
                    let to = Int64(bitPattern: try reader.readVarint()), sizeHint = try reader.readVarint()
                    guard reader.isAtEnd, loaded.seasons[board.name]?.contains(where: { $0.id == id }) != true else {
                        throw damaged("season frame for '\(board.name)@\(id)'")
                    }
                    let capacity = Int(min(sizeHint, UInt64(bytes.count)))
                    pending = Pending(
                        name: board.name, season: (id, from, to),
                        builder: try Leaderboard.Builder(config: board.config, capacity: capacity))
                case .sequence:
                    guard let board = pending, board.season == nil, loaded.sequences[board.name] == nil else {
                        throw damaged("sequence outside a board")
                    }
                    let seq = try reader.readVarint()
                    guard reader.isAtEnd, seq <= LogRecord.maxSequence else { throw damaged("sequence frame") }
                    loaded.sequences[board.name] = seq
                case .entries:
                    // Taken out while it grows, so its storage is not copied.
                    guard var board = pending else { throw damaged("entries outside a board") }
                    pending = nil
                    entries += try SnapshotFrame.decodeEntries(payload, into: &board.builder)
                    pending = board
                case .metadata:
                    guard var board = pending else { throw damaged("metadata outside a board") }
                    pending = nil
                    try SnapshotFrame.decodeMetadata(payload, into: &board.builder)
                    pending = board
                case .end:
                    finishBoard()
                    current = nil
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
                    current = nil
                    let key = try CredentialCoding.decodeKey(from: &reader)
                    guard reader.isAtEnd, loaded.keys.updateValue(key, forKey: key.name) == nil else { throw damaged("key frame") }
                    keyFrames += 1
                case .session:
                    finishBoard()
                    current = nil
                    let session = try CredentialCoding.decodeSession(from: &reader)
                    guard reader.isAtEnd, loaded.sessions.updateValue(session, forKey: session.id) == nil else {
                        throw damaged("session frame")
                    }
                    sessionFrames += 1
                case .change:
                    finishBoard()
                    current = nil
                    let logKind = try reader.readUInt8()
                    for record in try RecordGroup.records(kind: logKind, payload: UnsafeRawBufferPointer(rebasing: payload.dropFirst())) {
                        _ = try loaded.apply(record)
                    }
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
        guard ended, outcome.tornBytes == 0 else {
            throw StorageError.corrupt(file: file, offset: outcome.validLength, reason: "the snapshot ends before its end frame")
        }
        boards.boards.merge(loaded.boards) { _, snapshot in snapshot }
        boards.sequences.merge(loaded.sequences) { _, snapshot in snapshot }
        boards.seasons.merge(loaded.seasons) { _, snapshot in snapshot }
        boards.seasonStarts.merge(loaded.seasonStarts) { _, snapshot in snapshot }
        boards.keys.merge(loaded.keys) { _, snapshot in snapshot }
        boards.sessions.merge(loaded.sessions) { _, snapshot in snapshot }
        return entries
    }
}
