import PodiumEngine
import Synchronization

/// One board and the lock that serialises its operations. Boards do not share a lock:
/// writes to different boards run in parallel.
final class BoardHandle: Sendable {
    struct State {
        var board: Leaderboard
        /// Set, under the lock, by the drop: a writer holding this handle from before the
        /// drop must not log a record after the drop's (a new board of the same name
        /// would replay it).
        var isDropped = false
    }

    let name: String
    let state: Mutex<State>

    init(name: String, board: Leaderboard) {
        self.name = name
        state = Mutex(State(board: board))
    }

    /// Runs `body` on the live board under its lock; a dropped board is not found.
    func withBoard<Result>(_ body: (inout Leaderboard) throws(ServiceError) -> Result) throws(ServiceError) -> Result {
        try state.withLock { (state) throws(ServiceError) -> Result in
            guard !state.isDropped else { throw .boardNotFound(name) }
            return try body(&state.board)
        }
    }
}
