/// Where an entry sits in rank order: compared as `(score, tie)`, then by member bytes.
///
/// `score` is the score mapped to an unsigned integer whose order is the board's rank
/// order (best first), so the hot paths compare integers, not doubles and directions.
/// `tie` is the `earliest` stamp, or the member's first 8 bytes (big-endian, zero-padded)
/// for `member` boards: full member bytes are read only when those are equal.
struct SortKey: Hashable {
    var score: UInt64
    var tie: UInt64
    /// The member's interned index, or ``SortKey/boundMember`` for a search bound.
    var member: UInt32

    /// The member of a bound. A bound sorts before every entry with its `(score, tie)`;
    /// the bounds below never share one with an entry (stamps and prefixes avoid 0 and
    /// `UInt64.max`), a resume point (``RankCursor``) may.
    static let boundMember = UInt32.max

    /// A key that sorts before every entry whose score is `score`.
    static func before(score: UInt64) -> SortKey {
        SortKey(score: score, tie: 0, member: boundMember)
    }

    /// A key that sorts after every entry whose score is `score`.
    static func after(score: UInt64) -> SortKey {
        SortKey(score: score, tie: .max, member: boundMember)
    }
}

extension ScoreOrder {
    /// Maps a finite score to an integer that orders best first. O(1).
    ///
    /// IEEE 754 doubles order like sign-magnitude integers: flipping the sign bit of
    /// positives and every bit of negatives makes them order like unsigned integers.
    /// `-0.0` is folded into `0.0` first: they are one score.
    @inline(__always)
    public func sortScore(_ score: Double) -> UInt64 {
        let bits = (score == 0 ? 0.0 : score).bitPattern
        let ascending = bits & (1 << 63) == 0 ? bits | (1 << 63) : ~bits
        return self == .ascending ? ascending : ~ascending
    }

    /// The inverse of ``sortScore(_:)``. O(1).
    @inline(__always)
    func score(fromSortScore key: UInt64) -> Double {
        let ascending = self == .ascending ? key : ~key
        let bits = ascending & (1 << 63) != 0 ? ascending & ~(1 << 63) : ~ascending
        return Double(bitPattern: bits)
    }
}

/// The first 8 bytes of a member id, big-endian and zero-padded: integer order of
/// prefixes agrees with bytewise order of ids up to a tie. O(1).
@inline(__always)
func memberPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var prefix: UInt64 = 0
    for index in 0..<8 {
        prefix = prefix << 8 | UInt64(index < bytes.count ? bytes[index] : 0)
    }
    return prefix
}
