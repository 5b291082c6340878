/// What recovery found and did, for the log line at start-up and for `podium check`.
public struct RecoveryReport: Sendable, Equatable {
    /// The snapshot loaded (its file name), if any, and the entries in it.
    public var snapshot: String?
    public var snapshotEntries = 0
    public var segments = 0
    public var records = 0
    /// Records about boards that no longer existed (see ``StoredState/Applied``).
    public var skippedRecords = 0
    /// Bytes cut from the end of the last segment after a write a crash interrupted
    /// (preallocated zeros after a clean end are dropped silently and not counted).
    public var truncatedBytes = 0
    /// Human-readable warnings, one per event an operator should know of.
    public var warnings: [String] = []
}
