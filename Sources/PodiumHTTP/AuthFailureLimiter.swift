import PodiumService
import Synchronization

/// Counts failed authentications per client address in one-minute windows: past
/// `failuresPerMinute` in a window, the address waits for the next one.
///
/// Memory stays bounded: at ``maxAddresses`` the windows that have passed are dropped
/// (once a minute at most), and while the table is still full, addresses not in it share
/// one count, so the limit holds for them together rather than not at all.
/// Behind a proxy every client has the proxy's address unless podiumd is told to trust it
/// (`--trusted-proxy`): the limit then applies to them all together.
final class AuthFailureLimiter: Sendable {
    /// 0 turns the limit off.
    let failuresPerMinute: Int
    let clock: AccessRegistry.Clock
    private let state = Mutex(State())
    static let maxAddresses = 10_000
    static let windowMilliseconds: Int64 = 60_000
    /// The count of addresses that find the table full.
    static let overflow = "(others)"

    struct Window {
        var number: Int64
        var failures: Int
    }

    struct State {
        var windows: [String: Window] = [:]
        var prunedIn: Int64 = -1

        /// The key `client` is counted under.
        func key(_ client: String) -> String {
            windows[client] != nil || windows.count < AuthFailureLimiter.maxAddresses ? client : AuthFailureLimiter.overflow
        }
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
        guard let entry = state.withLock({ $0.windows[$0.key(client)] }), entry.number == window, entry.failures >= failuresPerMinute
        else { return nil }
        let remaining = (window + 1) * Self.windowMilliseconds - now
        return Int((remaining + 999) / 1000)
    }

    /// Counts a failure of `client`. O(1), amortized: a prune is O(addresses), once a minute.
    func recordFailure(client: String) {
        guard failuresPerMinute > 0 else { return }
        let window = clock() / Self.windowMilliseconds
        state.withLock { state in
            if state.windows.count >= Self.maxAddresses, state.windows[client] == nil, state.prunedIn != window {
                state.windows = state.windows.filter { $0.value.number == window }
                state.prunedIn = window
            }
            let key = state.key(client)
            if state.windows[key]?.number == window {
                state.windows[key]?.failures += 1
            } else {
                state.windows[key] = Window(number: window, failures: 1)
            }
        }
    }
}
