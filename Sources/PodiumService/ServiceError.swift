/// What the service refuses, each with a stable code clients can branch on (the HTTP layer
/// maps them to problem+json). A refused request changes nothing.
public enum ServiceError: Error, Sendable, Equatable {
    case invalidBoardName(String)
    case invalidMember
    case invalidScore
    /// Metadata that is not a JSON object.
    case invalidMetadata
    case metadataTooLarge(bytes: Int, limit: Int)
    /// A score outside the board's `min_score`/`max_score` (the new total, for an increment).
    case scoreOutOfBounds(min: Double?, max: Double?)
    case invalidConfig(String)
    case invalidRequest(String)
    case boardNotFound(String)
    case seasonNotFound(board: String, season: String)
    /// A write to a past season (`board@season`).
    case seasonReadOnly(String)
    case memberNotFound(board: String, member: String)
    case boardConfigConflict(String)
    case batchTooLarge(count: Int, limit: Int)
    /// The log failed (a write or fsync error): the server is read-only, no write is
    /// accepted until a restart recovers the logged state.
    case storageUnavailable(String)
    /// The disk has no room for the log to grow: the write changed nothing; writes resume
    /// once space is freed.
    case storageFull(String)
    case invalidKeyName(String)
    case invalidPlayer
    case invalidTTL
    case sessionDataTooLarge(bytes: Int, limit: Int)
    case keyExists(String)
    case keyNotFound(String)
    case keyNotRevocable(String)
    case sessionNotFound(String)
    /// The process reached `--max-memory`: a write that would add a member or a session.
    case memoryLimit(bytes: Int)
    /// A snapshot was asked for while another one runs.
    case snapshotInProgress
    /// A snapshot could not be written (the log and the served state are unaffected).
    case snapshotFailed(String)
    /// The shared backend (Redis) did not answer or is failing over: retry shortly.
    case backendUnavailable(String)
    /// The route means something on the embedded store only (snapshot, compact, stats,
    /// backup): the Redis backend has its own persistence.
    case embeddedOnly(String)

    /// The stable, machine-readable code.
    public var code: String {
        switch self {
        case .invalidBoardName: "invalid_board_name"
        case .invalidMember: "invalid_member"
        case .invalidScore: "invalid_score"
        case .invalidMetadata: "invalid_metadata"
        case .metadataTooLarge: "metadata_too_large"
        case .scoreOutOfBounds: "score_out_of_bounds"
        case .invalidConfig: "invalid_config"
        case .invalidRequest: "invalid_request"
        case .boardNotFound: "board_not_found"
        case .seasonNotFound: "season_not_found"
        case .seasonReadOnly: "season_read_only"
        case .memberNotFound: "member_not_found"
        case .boardConfigConflict: "board_config_conflict"
        case .batchTooLarge: "batch_too_large"
        case .storageUnavailable: "storage_unavailable"
        case .storageFull: "storage_full"
        case .invalidKeyName: "invalid_key_name"
        case .invalidPlayer: "invalid_player"
        case .invalidTTL: "invalid_ttl"
        case .sessionDataTooLarge: "session_data_too_large"
        case .keyExists: "key_exists"
        case .keyNotFound: "key_not_found"
        case .keyNotRevocable: "key_not_revocable"
        case .sessionNotFound: "session_not_found"
        case .memoryLimit: "memory_limit"
        case .snapshotInProgress: "snapshot_in_progress"
        case .snapshotFailed: "snapshot_failed"
        case .backendUnavailable: "backend_unavailable"
        case .embeddedOnly: "embedded_only"
        }
    }

    /// A sentence for people.
    public var detail: String {
        switch self {
        case let .invalidBoardName(name): "board name '\(name)' must be 1-64 characters of A-Z a-z 0-9 _ . -"
        case .invalidMember: "member id must be 1-128 bytes of UTF-8 without control characters"
        case .invalidScore: "score must be a finite number (and an increment must keep it finite)"
        case .invalidMetadata: "metadata must be a JSON object"
        case let .metadataTooLarge(bytes, limit): "metadata holds at most \(limit) bytes of JSON, this is \(bytes)"
        case let .scoreOutOfBounds(min, max):
            "score must be \(min.map { "at least \($0)" } ?? "")\(min != nil && max != nil ? " and " : "")\(max.map { "at most \($0)" } ?? "") "
                + "on this board (for an increment, the new total)"
        case let .invalidConfig(reason): "invalid board config: \(reason)"
        case let .invalidRequest(reason): reason
        case let .boardNotFound(name): "no board named '\(name)'"
        case let .seasonNotFound(board, season): "board '\(board)' keeps no season '\(season)'"
        case let .seasonReadOnly(name): "'\(name)' is a past season: it is read-only"
        case let .memberNotFound(board, member): "no member '\(member)' on board '\(board)'"
        case let .boardConfigConflict(name): "board '\(name)' exists with another config"
        case let .batchTooLarge(count, limit): "a batch holds at most \(limit) entries, this one \(count)"
        case let .storageUnavailable(reason): "storage failed, the server is read-only until a restart: \(reason)"
        case let .storageFull(reason): "the disk is full: this write changed nothing; writes resume once space is freed (\(reason))"
        case let .invalidKeyName(name): "key name '\(name)' must be 1-64 characters of A-Z a-z 0-9 _ . -"
        case .invalidPlayer: "player id must be 1-128 bytes of UTF-8 without control characters"
        case .invalidTTL: "ttl_seconds must be a whole number from 1 to 2592000 (30 days)"
        case let .sessionDataTooLarge(bytes, limit): "session data holds at most \(limit) bytes of JSON, this is \(bytes)"
        case let .keyExists(name): "a key named '\(name)' exists"
        case let .keyNotFound(name): "no key named '\(name)'"
        case let .keyNotRevocable(name): "'\(name)' is the key podiumd was started with: change PODIUM_ADMIN_KEY or DATA_DIR/admin.key and restart"
        case let .sessionNotFound(id): "no live session '\(id)'"
        case let .memoryLimit(bytes):
            "the server reached its memory limit (\(bytes) bytes, --max-memory): writes that add members or sessions are "
                + "refused until memory is freed; updates of existing members, reads and deletes go on"
        case .snapshotInProgress: "a snapshot or backup is being taken; try again when it is done"
        case let .snapshotFailed(reason): "the snapshot or backup failed, the log still holds every write: \(reason)"
        case let .backendUnavailable(reason): "the store (Redis) did not answer or is failing over; retry shortly (a write is applied whole or not at all): \(reason)"
        case let .embeddedOnly(action): "\(action) belongs to the embedded store; this server keeps its data in Redis, which persists it itself"
        }
    }
}
