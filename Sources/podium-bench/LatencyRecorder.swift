import Glibc
import Histogram

/// Nanoseconds on the monotonic clock: a vDSO call, ~20 ns here, cheaper than `ContinuousClock`'s
/// `Instant` arithmetic in a tight loop.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// One operation's latencies, and the wall time of the whole loop for throughput.
struct LatencyRecorder {
    let op: String
    private(set) var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    private var wallNanoseconds: UInt64 = 0

    init(op: String) { self.op = op }

    /// Runs `body` `count` times, timing each call.
    mutating func measure(count: Int, _ body: (Int) -> Void) {
        let start = monotonicNanoseconds()
        for iteration in 0..<count {
            let before = monotonicNanoseconds()
            body(iteration)
            _ = histogram.record(monotonicNanoseconds() - before)
        }
        wallNanoseconds += monotonicNanoseconds() - start
    }

    func result(members: Int) -> LatencyResult {
        LatencyResult(
            op: op, members: members,
            p50: histogram.valueAtPercentile(50), p90: histogram.valueAtPercentile(90),
            p99: histogram.valueAtPercentile(99), max: histogram.max, mean: histogram.mean,
            opsPerSecond: Double(histogram.totalCount) / (Double(wallNanoseconds) / 1e9))
    }
}

struct LatencyResult {
    var op: String
    var members: Int
    var p50: UInt64
    var p90: UInt64
    var p99: UInt64
    /// The slowest call: where a board's one-off work shows (an array or the hash index
    /// growing), which percentiles hide.
    var max: UInt64
    var mean: Double
    var opsPerSecond: Double

    var json: String {
        #"{"op": "\#(op)", "members": \#(members), "p50_ns": \#(p50), "p90_ns": \#(p90), "p99_ns": \#(p99), "max_ns": \#(max), "mean_ns": \#(fixed(mean)), "ops_per_s": \#(Int(opsPerSecond))}"#
    }
}
