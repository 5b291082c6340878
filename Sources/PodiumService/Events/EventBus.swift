import Synchronization

/// Where a board's events go once their changes are acknowledged, and where subscribers
/// get them: the seam between the write path and the streams. ``EmbeddedEventBus`` keeps
/// everything in this process; a bus on another system (Redis) implements the same.
public protocol EventBus: Sendable {
    /// Opens the stream of `board`, created or recovered with `seq` its last event number,
    /// and returns what its writes publish to. A board dropped and created again gets a new
    /// stream: the old one's last events still reach the old one's subscribers.
    func open(board: String, seq: UInt64) -> any BoardPublisher

    /// A subscription to `board`'s events that pass `filter`: from the one after `since`,
    /// replayed from the bus's history, or from the next change when `since` is `nil`.
    /// `onEnd` runs once when the subscription is cancelled or released.
    /// Throws ``ServiceError/boardNotFound(_:)``.
    func subscribe(
        board: String, filter: EventFilter, since: UInt64?, onEnd: @escaping @Sendable () -> Void
    ) async throws(ServiceError) -> EventSubscription

    /// Counts for operators.
    func statistics() -> EventStatistics

    /// Each open board's kept history, for a graceful stop to save. O(history).
    func keptHistory() -> [BoardHistory]

    /// Histories a graceful stop saved: a board that ``open(board:seq:)`` opens at exactly
    /// its history's `lastSeq` starts with it, so `since` from before the restart replays;
    /// any other is dropped. Call before the boards are opened.
    func restore(_ histories: [BoardHistory])
}

/// One board's stream, as its write path sees it.
public protocol BoardPublisher: Sendable {
    /// Publishes the board's events, in seq order with no gap: the write path calls it from
    /// one point per board. Never waits (subscribers are not waited for).
    func publish(_ events: [BoardEvent])

    /// The events before `seq` that were not published are lost for good (a relay that
    /// came back after its source forgot them): every subscriber is told with a `lagged`
    /// notice, and the history starts again at `seq`, the next event published.
    func skip(to seq: UInt64)
}

/// What the bus has done since start, for `/metrics` and `GET /v1/admin/stats`.
public struct EventStatistics: Sendable, Hashable {
    /// Live subscriptions per board.
    public var subscribers: [String: Int] = [:]
    /// Events published (each once, however many subscribers it reached).
    public var published: UInt64 = 0
    /// Messages dropped from subscribers' full queues (reported to them as `lagged`).
    public var dropped: UInt64 = 0
    /// Subscriptions closed, by reason: `board_dropped`, `too_slow`, `cancelled`.
    public var closes: [String: UInt64] = [:]

    public init() {}
}

/// A subscriber's stream of messages. Ends (`next()` answers `nil`) when the board is
/// dropped (after its last event), when the subscriber stayed behind for too long, or
/// once cancelled; ``closeReason`` tells which.
public final class EventSubscription: Sendable {
    private let mailbox: EventMailbox
    private let onEnd: @Sendable () -> Void
    private let ended = Atomic(false)

    init(mailbox: EventMailbox, onEnd: @escaping @Sendable () -> Void) {
        self.mailbox = mailbox
        self.onEnd = onEnd
    }

    /// The next message, waiting for one; `nil` once the stream ended.
    public func next() async -> StreamMessage? {
        await mailbox.next(upTo: 1)?.first
    }

    /// The messages waiting, up to `limit`, waiting for one if there are none; `nil` once
    /// the stream ended. For a transport that writes many messages at once.
    public func next(upTo limit: Int) async -> [StreamMessage]? {
        await mailbox.next(upTo: limit)
    }

    /// Has `ready` called, from the publishing thread, whenever something came to
    /// ``take(upTo:)`` or the stream ended, instead of waking a reader of ``next(upTo:)``:
    /// for a transport that writes from a thread of its own (an event loop) and would
    /// otherwise wake a task per message. Called once now if something is already there.
    public func onReady(_ ready: @escaping @Sendable () -> Void) {
        mailbox.onReady(ready)
    }

    /// The messages waiting, up to `limit`, without waiting: `[]` when there are none yet,
    /// `nil` once the stream ended. O(count).
    public func take(upTo limit: Int) -> [StreamMessage]? {
        mailbox.take(upTo: limit)
    }

    /// Hands a waiting reader `message` (a keepalive) when nothing else is waiting for it.
    public func poke(_ message: StreamMessage) {
        mailbox.poke(message)
    }

    /// Ends the stream and frees what it held at the bus. Idempotent.
    public func cancel() {
        mailbox.close(.cancelled)
        if !ended.exchange(true, ordering: .acquiringAndReleasing) { onEnd() }
    }

    /// Why the stream ended: `board_dropped`, `too_slow` or `cancelled`; `nil` while open.
    public var closeReason: String? { mailbox.closeReason?.rawValue }

    deinit {
        cancel()
    }
}
