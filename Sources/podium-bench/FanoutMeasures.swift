import ArgumentParser
import AsyncHTTPClient
import Foundation
import Histogram
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PodiumEngine
import Synchronization

// MARK: - Updates and latencies

/// Per update (by index): the member, the score and when its submit was sent. Lock-free:
/// written by the submitter before the submit goes out, read by subscribers after.
final class UpdateTable: @unchecked Sendable {
    // @unchecked Sendable: three fixed arrays of atomics, allocated in init and freed in deinit.
    let count: Int
    private let members: UnsafeMutablePointer<Atomic<UInt64>>
    private let scores: UnsafeMutablePointer<Atomic<UInt64>>
    private let sendTimes: UnsafeMutablePointer<Atomic<UInt64>>

    init(count: Int) {
        self.count = count
        members = .allocate(capacity: count)
        scores = .allocate(capacity: count)
        sendTimes = .allocate(capacity: count)
        for index in 0..<count {
            (members + index).initialize(to: Atomic(UInt64.max))
            (scores + index).initialize(to: Atomic(0))
            (sendTimes + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        members.deinitialize(count: count)
        scores.deinitialize(count: count)
        sendTimes.deinitialize(count: count)
        members.deallocate()
        scores.deallocate()
        sendTimes.deallocate()
    }

    func set(_ index: Int, member: Int, score: Double) {
        members[index].store(UInt64(member), ordering: .relaxed)
        scores[index].store(score.bitPattern, ordering: .relaxed)
    }

    func sent(_ index: Int, at time: UInt64) {
        sendTimes[index].store(time, ordering: .releasing)
    }

    /// The score of update `index`: a whole 2,000,000 + index for one that puts a member at
    /// the top (above every seeded, jumped or climbed score), else `base` (whole) with the
    /// update numbered in six decimals, from .000001 (so a fraction is never zero).
    static func score(ofUpdate index: Int, base: Int?) -> Double {
        guard let base else { return Double(2_000_000 + index) }
        return Double(base) + Double(index + 1) / 1_000_000
    }

    /// The update's index from its score (``score(ofUpdate:base:)`` backwards).
    static func index(of score: Double) -> Int {
        let fraction = Int(((score - score.rounded(.down)) * 1_000_000).rounded())
        return fraction > 0 ? fraction - 1 : Int(score) - 2_000_000
    }

    /// When the submit of (member, score) was sent; `nil` when no update was (member, score).
    func sendTime(member: Int, score: Double) -> UInt64? {
        let index = Self.index(of: score)
        guard index >= 0, index < count else { return nil }
        let time = sendTimes[index].load(ordering: .acquiring)
        guard time != 0, members[index].load(ordering: .relaxed) == UInt64(member),
            scores[index].load(ordering: .relaxed) == score.bitPattern
        else { return nil }
        return time
    }
}

/// Each member's whole score as the updates leave it, for `climb` moves: seeded as
/// ``FanoutBenchmark/spreadScore(_:members:)``, raised by each climb, set by a top update.
final class CurrentScores: Sendable {
    private let scores: Mutex<[Int]>

    init(members: Int) {
        scores = Mutex((0..<members).map { FanoutBenchmark.spreadScore($0, members: members) })
    }

    /// Raises `member`'s score by `step` and answers the new whole score.
    func climb(_ member: Int, by step: Int) -> Int {
        scores.withLock { scores in
            scores[member] += step
            return scores[member]
        }
    }

    func set(_ member: Int, to score: Int) {
        scores.withLock { $0[member] = score }
    }
}

/// Delivery latencies (µs), in shards so that subscribers on different threads rarely
/// wait for one another's lock.
final class ShardedHistogram: Sendable {
    final class Shard: Sendable {
        let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three))
    }

    private let shards: [Shard]

    init(shards: Int) {
        self.shards = (0..<shards).map { _ in Shard() }
    }

    func record(shard: Int, _ micros: UInt64) {
        shards[shard % shards.count].histogram.withLock { _ = $0.record(min(micros, 600_000_000)) }
    }

    func merged() -> Histogram<UInt64> {
        var all = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        for shard in shards { shard.histogram.withLock { all.add($0) } }
        return all
    }
}

/// Sums of every subscriber's counts at one moment.
struct Totals {
    var received = 0, scoreChanged = 0, matched = 0, overtaken = 0, lagged = 0, laggedEvents = 0, other = 0

    init(_ subscribers: [Subscriber]) {
        for subscriber in subscribers {
            received += subscriber.received.load(ordering: .relaxed)
            scoreChanged += subscriber.scoreChanged.load(ordering: .relaxed)
            matched += subscriber.matched.load(ordering: .relaxed)
            overtaken += subscriber.overtaken.load(ordering: .relaxed)
            lagged += subscriber.lagged.load(ordering: .relaxed)
            laggedEvents += subscriber.laggedEvents.load(ordering: .relaxed)
            other += subscriber.other.load(ordering: .relaxed)
        }
    }
}
