/// Input the engine refuses. A refused call changes nothing.
public enum LeaderboardError: Error, Sendable, Hashable {
    /// NaN or infinite score, or an increment whose result is not finite.
    case invalidScore
    /// Empty, longer than ``MemberID/maxByteCount`` bytes, or containing control characters.
    case invalidMember
    /// `maxSize` below 1.
    case invalidMaxSize
    /// A persisted tie stamp outside `1..<UInt64.max`.
    case invalidStamp
    /// A score outside the board's `minScore...maxScore` (the new total for an increment).
    case scoreOutOfBounds
    /// Bounds that are not finite, or a `minScore` above the `maxScore`.
    case invalidBounds
}
