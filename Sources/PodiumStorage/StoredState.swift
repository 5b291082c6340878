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
        case let .scoreSet(name, entry):
            guard boards[name] != nil else { return .skippedMissingBoard }
            try boards[name]?.restore(entry)
        case let .memberRemoved(name, member):
            guard boards[name] != nil else { return .skippedMissingBoard }
            boards[name]?.remove(member: member)
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

    /// A board created again with another config without a drop in between.
    public struct Conflict: Error, Sendable, CustomStringConvertible {
        public var board: String
        public var description: String { "board '\(board)' is created twice with different configs" }
    }
}
