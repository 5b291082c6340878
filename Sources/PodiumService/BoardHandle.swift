import PodiumEngine
import PodiumStorage
import PodiumSync

/// One board, the lock that serialises its operations, and the point its events leave
/// from. Boards do not share a lock: writes to different boards run in parallel.
final class BoardHandle: Sendable {
    struct State {
        var board: Leaderboard
        /// Set, under the lock, by the drop: a writer holding this handle from before the
        /// drop must not log a record after the drop's (a new board of the same name
        /// would replay it).
        var isDropped = false
        /// The last event number handed out: one per change, in commit order.
        var seq: UInt64
        /// Members some subscriber watches, for `overtaken`.
        var watched = WatchedMembers()
        /// Past seasons, oldest first: read-only boards.
        var seasons: [StoredState.StoredSeason] = []
        /// When the live season began, if known.
        var seasonStart: Int64?
        /// When the schedule ends the live season next; `nil` without a schedule.
        var nextReset: Int64?

        /// The past season `id`, if kept.
        func season(_ id: String) -> StoredState.StoredSeason? {
            seasons.last { $0.id == id }
        }

        /// The number of the next change.
        mutating func nextSeq() -> UInt64 {
            seq += 1
            return seq
        }
    }

    /// Events whose changes are durable, waiting for those before them.
    private struct Release {
        var next: UInt64
        var waiting: [UInt64: [BoardEvent]] = [:]
    }

    let name: String
    let state: HandOverLock<State>
    private let publisher: any BoardPublisher
    private let release: Locked<Release>

    /// Schedules the next reset from `seasonStart` (or `now` when it is unknown).
    init(
        name: String, board: Leaderboard, seq: UInt64, publisher: any BoardPublisher,
        seasons: [StoredState.StoredSeason] = [], seasonStart: Int64? = nil, now: Int64
    ) {
        self.name = name
        self.publisher = publisher
        let calendar = board.config.reset.flatMap(SeasonCalendar.init)
        state = HandOverLock(
            State(
                board: board, seq: seq, seasons: seasons, seasonStart: seasonStart,
                nextReset: calendar?.boundary(after: seasonStart ?? now)))
        release = Locked(Release(next: seq + 1))
    }

    /// Runs `body` on the live board under its lock; a dropped board is not found.
    func withBoard<Result>(_ body: (inout Leaderboard) throws(ServiceError) -> Result) throws(ServiceError) -> Result {
        try withState { (state) throws(ServiceError) in try body(&state.board) }
    }

    /// Runs `body` on the live board's whole state under its lock: what writes use.
    func withState<Result>(_ body: (inout State) throws(ServiceError) -> Result) throws(ServiceError) -> Result {
        try state.withLock { (state) throws(ServiceError) -> Result in
            guard !state.isDropped else { throw .boardNotFound(name) }
            return try body(&state)
        }
    }

    /// ``withState(_:)`` whose `body` may let the lock go early with `release` (see
    /// ``HandOverLock``): writes call it once their record has its place in the log.
    func withState<Result>(
        releasable body: (inout State, _ release: () -> Void) throws(ServiceError) -> Result
    ) throws(ServiceError) -> Result {
        try state.withLock { (state, release) throws(ServiceError) -> Result in
            guard !state.isDropped else { throw .boardNotFound(name) }
            // Not an escape: `release` is only called within `body`.
            return try withoutActuallyEscaping(release) { (release) throws(ServiceError) in try body(&state, release) }
        }
    }

    /// Publishes one write's `events` (gapless, in seq order) once every event before them
    /// has been: under `--fsync always` writers come back from their fsync wait in any
    /// order, and subscribers must still see seq order.
    func release(_ events: [BoardEvent]) {
        guard let first = events.first?.seq else { return }
        release.withLock { release in
            release.waiting[first] = events
            while let ready = release.waiting.removeValue(forKey: release.next), let last = ready.last?.seq {
                publisher.publish(ready)
                release.next = last + 1
            }
        }
    }

    /// Subscriptions stop watching `members` (dropped boards included).
    func unwatch(_ members: [[UInt8]]) {
        state.withLock { state in
            for member in members { state.watched.unwatch(member) }
        }
    }
}
