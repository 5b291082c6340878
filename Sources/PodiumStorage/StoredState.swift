import PodiumEngine

/// Every board, key and session: the state a snapshot holds and log records change.
public struct StoredState: Sendable {
    public var boards: [String: Leaderboard] = [:]
    /// Each board's last event sequence number; absent for 0 (a new board, or one written
    /// before events existed).
    public var sequences: [String: UInt64] = [:]
    /// API keys by name.
    public var keys: [String: StoredKey] = [:]
    /// Sessions by id, expired ones included until the service sweeps them.
    public var sessions: [String: StoredSession] = [:]
    /// Each board's past seasons, oldest first (at most its schedule's `keep`).
    public var seasons: [String: [StoredSeason]] = [:]
    /// When each board's live season began; absent for boards created before seasons.
    public var seasonStarts: [String: Int64] = [:]

    public init() {}

    /// What applying a record did.
    public enum Applied: Sendable, Equatable {
        case applied
        /// The record names a board that does not exist. After a snapshot read while
        /// writes went on, a log may hold changes to a board the snapshot missed because it
        /// was dropped meanwhile; its drop follows in the log, so these are skipped.
        case skippedMissingBoard
    }

    /// Applies `record` exactly as logged. Throws ``LeaderboardError`` for values no
    /// writer logs, and ``StoredState/Conflict`` for a board created twice differently.
    public mutating func apply(_ record: LogRecord) throws -> Applied {
        switch record {
        case let .boardCreated(name, config):
            if let existing = boards[name] {
                // Replaying over a snapshot that already holds the board: the same board.
                guard existing.config == config else { throw Conflict(board: name) }
                return .applied
            }
            boards[name] = try Leaderboard(config: config)
            sequences[name] = nil
        case let .boardDropped(name):
            boards[name] = nil
            sequences[name] = nil
            seasons[name] = nil
            seasonStarts[name] = nil
        case let .seasonBegan(name, at):
            guard boards[name] != nil else { return .skippedMissingBoard }
            seasonStarts[name] = at
        case let .boardReset(name, season, at):
            guard let live = boards[name] else { return .skippedMissingBoard }
            // Moved, not copied: once the live board is replaced, the season holds the only
            // reference to its storage.
            boards[name] = try Leaderboard(config: live.config)
            var past = seasons.removeValue(forKey: name) ?? []
            past.removeAll { $0.id == season }
            past.append(StoredSeason(id: season, from: seasonStarts[name], to: at, board: live))
            past.removeFirst(max(0, past.count - live.config.seasonsKept))
            seasons[name] = past
            seasonStarts[name] = at
        case let .scoreSet(name, entry):
            guard boards[name] != nil else { return .skippedMissingBoard }
            try boards[name]?.restore(entry)
        case let .memberRemoved(name, member):
            guard boards[name] != nil else { return .skippedMissingBoard }
            boards[name]?.remove(member: member)
        case let .metadataSet(name, member, json):
            guard boards[name] != nil else { return .skippedMissingBoard }
            // A member the snapshot missed (removed meanwhile) has none: its removal follows.
            boards[name]?.setMetadata(json, of: member)
        case let .boardSequence(name, seq):
            guard boards[name] != nil else { return .skippedMissingBoard }
            // Records carry the absolute number; the largest is the latest (a snapshot read
            // while writes went on may already hold a later one than a record replayed over it).
            sequences[name] = max(sequences[name] ?? 0, seq)
        // Credentials are set, not changed: replaying over a snapshot that has them is exact.
        case let .keyCreated(key):
            keys[key.name] = key
        case let .keyRevoked(name):
            keys[name] = nil
        case let .sessionStored(session):
            sessions[session.id] = session
        case let .sessionExtended(id, expiresAt):
            sessions[id]?.expiresAt = expiresAt
        case let .sessionEnded(id):
            sessions[id] = nil
        }
        return .applied
    }

    /// One past season of a board: read-only, kept until its schedule's `keep` drops it.
    public struct StoredSeason: Sendable {
        /// `2026-12-01`, `2026-W49`, `2026-12` (with `.2`, `.3` for more resets in a period).
        public var id: String
        /// When it began, if known (boards created before seasons: not), and ended.
        public var from: Int64?
        public var to: Int64
        public var board: Leaderboard

        public init(id: String, from: Int64?, to: Int64, board: Leaderboard) {
            self.id = id
            self.from = from
            self.to = to
            self.board = board
        }
    }

    /// A board created again with another config without a drop in between.
    public struct Conflict: Error, Sendable, CustomStringConvertible {
        public var board: String
        public var description: String { "board '\(board)' is created twice with different configs" }
    }
}
