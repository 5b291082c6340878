import PodiumEngine
import PodiumStorage

/// What one write did to a board, gathered under its lock: the log records of its
/// changes and one event per change, numbered from the board's sequence. The effect the
/// engine reported is all it takes: no second rank walk, no scan.
struct WriteEffect {
    let board: String
    /// The write's commit time, for events.
    let at: Int64
    private(set) var records: [LogRecord] = []
    private(set) var events: [BoardEvent] = []

    init(board: String, at: Int64) {
        self.board = board
        self.at = at
    }

    /// Makes room for `changes` records and events (and the sequence record), so a batch's
    /// effect does not grow, and copy, its arrays on the way. O(changes).
    mutating func reserveCapacity(_ changes: Int) {
        records.reserveCapacity(changes + 1)
        events.reserveCapacity(changes)
    }

    /// The records to log: the changes, then the board's last event number, so numbering
    /// goes on after a restart. Nothing when nothing changed. Ends the effect's records.
    mutating func log(seq: UInt64) -> [LogRecord] {
        if !events.isEmpty { records.append(.boardSequence(board: board, seq: seq)) }
        return records
    }

    /// A submission's effect: a score change (with whom it moved past among watched
    /// members), and the member a full `max_size` board evicted for it.
    mutating func submitted(_ update: ScoreUpdate, to state: inout BoardHandle.State) {
        let config = state.board.config
        if update.changed, let score = update.score {
            let entry = StoredEntry(member: update.member, score: score, stamp: update.stamp)
            records.append(.scoreSet(board: board, entry: entry))
            events.append(
                BoardEvent(
                    seq: state.nextSeq(), board: board, kind: .scoreChanged, member: update.member, score: score,
                    rank: update.rank, previousScore: update.previousScore, previousRank: update.previousRank, at: at,
                    overtook: Self.overtaken(by: update, entry: entry, in: state)))
            state.watched.moved(update.member, to: entry, on: config)
        }
        if let evicted = update.evicted {
            removed(evicted, reason: .evicted, from: &state)
        }
    }

    /// A member's metadata replaced, already done: logged, with no event (its score and
    /// rank did not move).
    mutating func metadataSet(of member: String, to json: [UInt8]) {
        records.append(.metadataSet(board: board, member: member, json: json))
    }

    /// A member's removal from the board, already done.
    mutating func removed(_ removal: Removal, reason: BoardEvent.RemovalReason, from state: inout BoardHandle.State) {
        records.append(.memberRemoved(board: board, member: removal.member))
        events.append(
            BoardEvent(
                seq: state.nextSeq(), board: board, kind: .memberRemoved, member: removal.member,
                previousScore: removal.score, previousRank: removal.rank, reason: reason, at: at))
        state.watched.moved(removal.member, to: nil, on: state.board.config)
    }

    /// A reset, already done: the live board was archived as `season` (`size` members) and
    /// is empty. Watched members are no longer on it.
    mutating func reset(season: String, size: Int, to state: inout BoardHandle.State) {
        records.append(.boardReset(board: board, season: season, at: at))
        events.append(BoardEvent(seq: state.nextSeq(), board: board, kind: .boardReset, season: season, at: at))
        state.watched.forgetPositions()
    }

    /// The watched members `update` moved its member up past, with their ranks now:
    /// candidates come from the watched keys (O(log k + hits)), and one whose score ties
    /// the mover's old one was passed only if it ranked before the mover (its rank now is
    /// then at most the mover's old rank). O(hits log n).
    private static func overtaken(by update: ScoreUpdate, entry: StoredEntry, in state: BoardHandle.State) -> [Overtaken] {
        guard !state.watched.isEmpty, let rank = update.rank, update.previousRank.map({ rank < $0 }) ?? true else { return [] }
        let config = state.board.config
        let member = Array(update.member.utf8)
        let candidates = state.watched.candidates(
            passedBy: member, to: WatchedMembers.key(member, entry, config),
            from: update.previousScore.map { config.order.sortScore($0) })
        return candidates.compactMap { candidate in
            let name = String(decoding: candidate, as: UTF8.self)
            guard let candidateRank = state.board.rank(of: name), update.previousRank.map({ candidateRank <= $0 }) ?? true else { return nil }
            return Overtaken(member: name, rank: candidateRank)
        }
    }
}
