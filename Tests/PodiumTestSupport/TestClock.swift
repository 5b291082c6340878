import Synchronization

/// A clock that moves only when told, in milliseconds since the Unix epoch (the service's
/// clock): sessions expire and failure windows pass without a test sleeping.
public final class TestClock: Sendable {
    public let now = Atomic<Int64>(1_800_000_000_000)

    public init() {}

    public var read: @Sendable () -> Int64 { { [self] in now.load(ordering: .relaxed) } }

    public func advance(seconds: Int64) { now.add(seconds * 1000, ordering: .relaxed) }
}
