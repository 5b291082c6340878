import PodiumEngine
import PodiumStorage

/// The boards, wherever they live: in this process (``BoardRegistry``, the embedded engine,
/// the default) or in a shared backend (Redis, for many podiumd over one data set). The
/// HTTP layer talks to this and nothing else about boards.
///
/// Every operation is async (a remote backend waits on its network; the embedded one
/// answers without suspending) and throws ``ServiceError`` with a stable code. Rules that
/// do not depend on the backend are stated here once and checked above the seam
/// (``BoardRules``), so both backends refuse the same requests the same way.
public protocol BoardStore: Sendable {
    /// Creates `name` with `config`; idempotent for the same config (false: it existed).
    func createBoard(name: String, config: BoardConfig) async throws(ServiceError) -> Bool
    /// Drops `name`, its entries and seasons; its streams end with `board_dropped`.
    func dropBoard(name: String) async throws(ServiceError)
    /// Every live board, by name.
    func listBoards() async throws(ServiceError) -> [BoardSummary]
    /// A live board, or a past season (`board@season`).
    func board(named name: String) async throws(ServiceError) -> BoardSummary

    func submit(board: String, _ submission: ScoreSubmission) async throws(ServiceError) -> SubmitResult
    /// Applied in order; one result each, an invalid entry failing alone.
    func submitBatch(board: String, _ submissions: [ScoreSubmission]) async throws(ServiceError) -> [Result<SubmitResult, ServiceError>]
    /// One score to several boards, each under its own rules; one result per board.
    func submit(toBoards boards: [String], _ submission: ScoreSubmission) async throws(ServiceError) -> [Result<SubmitResult, ServiceError>]
    @discardableResult
    func removeMember(board: String, member: String) async throws(ServiceError) -> Removal

    // Reads: each works on a past season (`board@season`) too.
    func entry(board: String, member: String) async throws(ServiceError) -> Entry
    func top(board: String, offset: Int, limit: Int) async throws(ServiceError) -> Page
    func around(board: String, member: String, radius: Int) async throws(ServiceError) -> Page
    func scores(board: String, in range: ScoreRange, offset: Int, limit: Int) async throws(ServiceError) -> Page
    func count(board: String, in range: ScoreRange) async throws(ServiceError) -> Int
    func lookup(board: String, members: [String]) async throws(ServiceError) -> Lookup

    /// Past seasons, newest first.
    func seasons(board: String) async throws(ServiceError) -> [SeasonSummary]
    /// Ends the live season now.
    @discardableResult
    func reset(board: String) async throws(ServiceError) -> SeasonSummary

    /// `board`'s events that pass `filter`, after `since` or from the next change.
    func subscribe(board: String, filter: EventFilter, since: UInt64?) async throws(ServiceError) -> EventSubscription
}

/// The embedded engine is the first backend: its operations, synchronous where they do not
/// wait for the log, are the protocol's as they are.
extension BoardRegistry: BoardStore {}

/// What every backend enforces the same way, above the seam.
public enum BoardRules {
    /// Most boards one submit may name.
    public static let maxBoardsPerSubmit = 16

    /// Refuses a list of boards one submit may not name: none, more than
    /// ``maxBoardsPerSubmit``, or one twice.
    public static func validateTargets(_ boards: [String]) throws(ServiceError) {
        guard !boards.isEmpty, boards.count <= maxBoardsPerSubmit else {
            throw .invalidRequest("boards must name 1 to \(maxBoardsPerSubmit) boards")
        }
        guard Set(boards).count == boards.count else { throw .invalidRequest("boards must be distinct") }
    }

    /// Whether a player (a session token for `player`) may send `member`'s score with
    /// `update`: its own member only, compared as bytes (an NFC and an NFD spelling are two
    /// members), and never with a policy of its choosing. Whether the board lets players
    /// submit at all is the board's `player_submit`.
    public static func isOwnSubmit(member: String, update: UpdatePolicy?, player: String) -> Bool {
        update == nil && member.utf8.elementsEqual(player.utf8)
    }

    /// An empty board under `config`, or ``ServiceError/invalidConfig(_:)`` naming what is
    /// wrong with it: bounds, `max_size`, the reset schedule and its time zone.
    public static func emptyBoard(_ config: BoardConfig) throws(ServiceError) -> Leaderboard {
        let board: Leaderboard
        do {
            board = try Leaderboard(config: config)
        } catch LeaderboardError.invalidBounds {
            throw .invalidConfig("min_score and max_score must be finite, min_score at most max_score")
        } catch {
            throw .invalidConfig("max_size must be at least 1")
        }
        if let reset = config.reset {
            guard SeasonCalendar(reset) != nil, reset.timeZone.utf8.count <= ResetSchedule.maxTimeZoneBytes else {
                throw .invalidConfig("reset.timezone '\(reset.timeZone)' is not an IANA time zone this server knows")
            }
            guard reset.isValid else {
                throw .invalidConfig("reset.at must be HH:MM (00:00 to 23:59) and reset.keep 1 to \(ResetSchedule.maxKeep)")
            }
        }
        return board
    }

    /// Refuses a page of more than ``BoardRegistry/maxPage`` entries or a negative offset.
    public static func validatePage(offset: Int, limit: Int) throws(ServiceError) {
        guard (0...BoardRegistry.maxPage).contains(limit) else { throw .invalidRequest("limit must be 0 to \(BoardRegistry.maxPage)") }
        guard offset >= 0 else { throw .invalidRequest("offset must not be negative") }
    }

    /// Refuses an `around` radius past half a page.
    public static func validate(radius: Int) throws(ServiceError) {
        guard (0...BoardRegistry.maxPage / 2).contains(radius) else { throw .invalidRequest("radius must be 0 to \(BoardRegistry.maxPage / 2)") }
    }

    /// Refuses metadata past ``LogRecord/maxMetadataBytes``.
    public static func validateMetadata(_ submission: ScoreSubmission) throws(ServiceError) {
        if let metadata = submission.metadata, metadata.count > LogRecord.maxMetadataBytes {
            throw .metadataTooLarge(bytes: metadata.count, limit: LogRecord.maxMetadataBytes)
        }
    }
}
