/// One end of a score range: a value (±infinity allowed) and whether it is included.
public struct ScoreBound: Sendable, Hashable {
    public var value: Double
    public var isInclusive: Bool

    public init(_ value: Double, inclusive: Bool = true) {
        self.value = value
        self.isInclusive = inclusive
    }

    public static let negativeInfinity = ScoreBound(-.infinity)
    public static let positiveInfinity = ScoreBound(.infinity)
}

/// Scores from `min` to `max`, each end inclusive or exclusive, as Redis `ZRANGEBYSCORE`.
public struct ScoreRange: Sendable, Hashable {
    public var min: ScoreBound
    public var max: ScoreBound

    public init(min: ScoreBound = .negativeInfinity, max: ScoreBound = .positiveInfinity) {
        self.min = min
        self.max = max
    }
}
