import PodiumEngine
import PodiumStorage

/// `board@season`: a past season of a board, as routes name it.
package struct SeasonName {
    package var board: String
    package var id: String

    /// Nil for a name without `@` (a live board).
    package init?(_ name: String) {
        // By byte: a search by Character, on every request's board name, was 0.7% of a read.
        let bytes = name.utf8
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return nil }
        board = String(Substring(bytes[..<at]))
        id = String(Substring(bytes[bytes.index(after: at)...]))
    }
}

/// Seasons: a reset archives the live board as a read-only past season and starts it empty.
extension BoardRegistry {
    /// Archives the live board `name` as a past season now, starts it empty, and drops the
    /// oldest seasons past its `keep`; subscribers get `board_reset`.
    ///
    /// The live board is moved, not copied: O(1) under the board's lock, plus freeing a
    /// dropped season. It waits while a snapshot or backup runs, which must see the move
    /// entirely before or after.
    @discardableResult
    public func reset(board name: String) async throws(ServiceError) -> SeasonSummary {
        guard let season = try await reset(board: name, onlyIfDue: false) else { throw .boardNotFound(name) }
        return season
    }

    /// A reset, or with `onlyIfDue` one only when the board's schedule's boundary has
    /// passed (nil otherwise), so a boundary resets once however often it is asked.
    private func reset(board name: String, onlyIfDue: Bool) async throws(ServiceError) -> SeasonSummary? {
        // The seasons dropped past `keep` come out of the board's lock with the answer and are
        // freed here, not under it: a board whose members have metadata holds an allocation
        // per member.
        let (season, _) = try await journal.store.withoutSnapshot {
            () async throws(ServiceError) -> (SeasonSummary?, [StoredState.StoredSeason]) in
            try await write(board: name) { (state, effect) throws(ServiceError) -> (SeasonSummary?, [StoredState.StoredSeason]) in
                if onlyIfDue, (state.nextReset ?? .max) > effect.at { return (nil, []) }
                return try Self.archive(&state, effect: &effect)
            }
        }
        return season
    }

    /// Resets every board whose schedule's boundary has passed; returns their names. What
    /// a scheduler calls: a server that was down at a boundary resets once when it runs.
    public func resetDueBoards() async -> [String] {
        let now = clock()
        let due = handles.withLock { Array($0.values) }.filter { handle in
            handle.state.withLock { ($0.nextReset ?? .max) <= now && !$0.isDropped }
        }
        var reset: [String] = []
        for handle in due where (try? await self.reset(board: handle.name, onlyIfDue: true)) != nil {
            reset.append(handle.name)
        }
        return reset.sorted()
    }

    /// The past seasons of `board`, newest first.
    public func seasons(board name: String) throws(ServiceError) -> [SeasonSummary] {
        try handle(name).withState { state in
            state.seasons.reversed().map { SeasonSummary(id: $0.id, from: $0.from, to: $0.to, size: $0.board.count) }
        }
    }

    /// Moves the live board into a new past season, named after the period its season
    /// began in (`.2`, `.3` after it when the period already has one).
    /// Returns the seasons it dropped past `keep`, for the caller to free outside the lock.
    private static func archive(
        _ state: inout BoardHandle.State, effect: inout WriteEffect
    ) throws(ServiceError) -> (SeasonSummary, dropped: [StoredState.StoredSeason]) {
        let config = state.board.config
        let schedule = config.reset ?? ResetSchedule(every: .daily)
        guard let calendar = SeasonCalendar(schedule), let empty = try? Leaderboard(config: config) else {
            throw .invalidConfig("the board's reset schedule cannot be used here (time zone '\(schedule.timeZone)')")
        }
        let base = calendar.period(containing: state.seasonStart ?? effect.at).id
        var id = base, suffix = 1
        while state.season(id) != nil {
            suffix += 1
            id = "\(base).\(suffix)"
        }
        let season = StoredState.StoredSeason(id: id, from: state.seasonStart, to: effect.at, board: state.board)
        state.board = empty
        state.seasons.append(season)
        let dropped = Array(state.seasons.prefix(max(0, state.seasons.count - config.seasonsKept)))
        state.seasons.removeFirst(dropped.count)
        state.seasonStart = effect.at
        state.nextReset = config.reset == nil ? nil : calendar.boundary(after: effect.at)
        effect.reset(season: id, size: season.board.count, to: &state)
        return (SeasonSummary(id: id, from: season.from, to: season.to, size: season.board.count), dropped)
    }
}
