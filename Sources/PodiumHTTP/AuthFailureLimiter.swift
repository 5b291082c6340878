import PodiumService
import Synchronization

/// Counts failed authentications per client address in one-minute windows: past
/// `failuresPerMinute` in a window, the address waits for the next one.
///
/// Memory stays bounded: windows that have passed are dropped whenever the table reaches
/// ``pruneThreshold`` addresses, and past that no new address is counted until some are.
/// Behind a proxy every client has the proxy's address: this limits them all together.
final class AuthFailureLimiter: Sendable {
    /// 0 turns the limit off.
    let failuresPerMinute: Int
    let clock: AccessRegistry.Clock
    private let windows = Mutex<[String: Window]>([:])
    static let pruneThreshold = 10_000
    static let windowMilliseconds: Int64 = 60_000

    struct Window {
        var number: Int64
        var failures: Int
    }

    init(failuresPerMinute: Int, clock: @escaping AccessRegistry.Clock = AccessRegistry.systemClock) {
        self.failuresPerMinute = failuresPerMinute
        self.clock = clock
    }

    /// Seconds until `client` may try again, or nil when it may now. O(1).
    func retryAfter(client: String) -> Int? {
        guard failuresPerMinute > 0 else { return nil }
        let now = clock()
        let window = now / Self.windowMilliseconds
        guard let entry = windows.withLock({ $0[client] }), entry.number == window, entry.failures >= failuresPerMinute else { return nil }
        let remaining = (window + 1) * Self.windowMilliseconds - now
        return Int((remaining + 999) / 1000)
    }

    /// Counts a failure of `client`. O(1), amortized.
    func recordFailure(client: String) {
        guard failuresPerMinute > 0 else { return }
        let window = clock() / Self.windowMilliseconds
        windows.withLock { windows in
            if windows.count >= Self.pruneThreshold, windows[client] == nil {
                windows = windows.filter { $0.value.number == window }
                // Still full within this minute: more addresses are failing than one table
                // should hold; the newest go uncounted rather than the memory growing.
                guard windows.count < Self.pruneThreshold else { return }
            }
            if windows[client]?.number == window {
                windows[client]?.failures += 1
            } else {
                windows[client] = Window(number: window, failures: 1)
            }
        }
    }
}
