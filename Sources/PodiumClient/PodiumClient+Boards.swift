import PodiumAPI

/// `/v1/boards`: list and show, and past seasons (any token); create, drop and reset
/// (admin). A past season reads as a board named `board@season` in every read.
extension PodiumRequest {
    public static func listBoards() -> PodiumRequest<BoardListBody> {
        PodiumRequest<BoardListBody>("GET", "/v1/boards")
    }

    /// Idempotent for the same config: 201 when created, 200 when it existed so; 409
    /// `board_config_conflict` when it exists with another.
    public static func createBoard(_ name: String, config: BoardConfigBody) -> PodiumRequest<BoardBody> {
        PodiumRequest<BoardBody>("PUT", "/v1/boards/\(name.pathSegment)", body: config)
    }

    public static func board(_ name: String) -> PodiumRequest<BoardBody> {
        PodiumRequest<BoardBody>("GET", "/v1/boards/\(name.pathSegment)")
    }

    public static func dropBoard(_ name: String) -> PodiumRequest<Void> {
        PodiumRequest<Void>("DELETE", "/v1/boards/\(name.pathSegment)")
    }

    /// Board `name`'s past seasons, newest first.
    public static func seasons(_ name: String) -> PodiumRequest<SeasonListBody> {
        PodiumRequest<SeasonListBody>("GET", "/v1/boards/\(name.pathSegment)/seasons")
    }

    /// Ends board `name`'s live season now: the season it archived.
    public static func resetBoard(_ name: String) -> PodiumRequest<SeasonBody> {
        PodiumRequest<SeasonBody>("POST", "/v1/boards/\(name.pathSegment)/reset")
    }
}

extension PodiumClient {
    /// Every board, by name.
    public func listBoards() async throws(PodiumError) -> [BoardBody] {
        try await send(.listBoards()).value.boards
    }

    /// Creates board `name` with `config` (nil fields: the defaults), or finds it made so.
    public func createBoard(_ name: String, config: BoardConfigBody = BoardConfigBody()) async throws(PodiumError) -> BoardBody {
        try await send(.createBoard(name, config: config)).value
    }

    /// Board `name`'s config and size.
    public func board(_ name: String) async throws(PodiumError) -> BoardBody {
        try await send(.board(name)).value
    }

    /// Drops board `name` and every entry on it; its event streams end.
    public func dropBoard(_ name: String) async throws(PodiumError) {
        try await send(.dropBoard(name)).value
    }

    /// Board `name`'s past seasons, newest first; read one as board `"\(name)@\(id)"`.
    public func seasons(_ name: String) async throws(PodiumError) -> [SeasonBody] {
        try await send(.seasons(name)).value.seasons
    }

    /// Archives board `name`'s live board as a past season now and starts it empty.
    public func resetBoard(_ name: String) async throws(PodiumError) -> SeasonBody {
        try await send(.resetBoard(name)).value
    }
}
