import DequeModule
import PodiumStorage
import PodiumSync

/// One subscriber's queue: the bus pushes; the subscriber's task pulls (``next(upTo:)``), or
/// a transport told of each push (``onReady``) takes (``take(upTo:)``). Bounded, so a slow
/// subscriber never slows a writer or another subscriber: past `capacity` new messages are
/// dropped and their seqs remembered, and once the subscriber has read what it had, it gets
/// one `lagged` notice naming them and the stream goes on. One that stays full for longer
/// than `stayBehindLimit` is closed.
final class EventMailbox: Sendable {
    enum CloseReason: String, Sendable {
        /// The board was dropped: its last event was delivered.
        case boardDropped = "board_dropped"
        /// It stayed behind for too long.
        case tooSlow = "too_slow"
        /// The subscriber left (disconnect, shutdown).
        case cancelled
    }

    private struct State {
        var queue: Deque<StreamMessage> = []
        /// Seqs dropped since the queue filled, to report as `lagged`.
        var missed: ClosedRange<UInt64>?
        var fullSince: ContinuousClock.Instant?
        var waiter: CheckedContinuation<[StreamMessage]?, Never>?
        /// Called after a push or a close that left something to take, when set.
        var onReady: (@Sendable () -> Void)?
        /// Set once closed; what is queued is still delivered unless it was for slowness.
        var closed: CloseReason?
    }

    let board: String
    let capacity: Int
    let stayBehindLimit: Duration
    private let state = Locked(State())

    init(board: String, capacity: Int, stayBehindLimit: Duration) {
        self.board = board
        self.capacity = capacity
        self.stayBehindLimit = stayBehindLimit
    }

    /// Queues `message`, or hands it to a waiting reader. Never waits. Returns whether it was
    /// dropped (the queue is full) and whether that closed the mailbox.
    @discardableResult
    func push(_ message: StreamMessage) -> (dropped: Bool, closed: Bool) {
        let (wake, outcome) = state.withLock { state -> (Wake?, (Bool, Bool)) in
            guard state.closed == nil else { return (nil, (false, false)) }
            if message.isFinal { state.closed = .boardDropped }
            if let waiter = state.waiter {
                state.waiter = nil
                return (.waiter(waiter), (false, false))
            }
            let ready = state.onReady.map(Wake.ready)
            if message.isFinal {
                // The last word goes in past the bound, after the notice of what was missed.
                if let missed = state.missed { state.queue.append(BoardEvent.lagged(board: board, missed: missed)) }
                state.missed = nil
                state.queue.append(message)
                return (ready, (false, false))
            }
            if state.missed == nil, state.queue.count < capacity {
                state.queue.append(message)
                return (ready, (false, false))
            }
            let now = ContinuousClock.now
            let since = state.fullSince ?? now
            state.fullSince = since
            if let seq = message.seq {
                state.missed = min(state.missed?.lowerBound ?? seq, seq)...max(state.missed?.upperBound ?? seq, seq)
            }
            if now - since > stayBehindLimit {
                // Behind for too long: what it holds is stale, and it will not catch up.
                state.closed = .tooSlow
                state.queue.removeAll()
                state.missed = nil
                return (ready, (true, true))
            }
            return (nil, (true, false))
        }
        switch wake {
        case .waiter(let waiter): waiter.resume(returning: [message])
        case .ready(let ready): ready()
        case nil: break
        }
        return outcome
    }

    /// Who a push wakes: the reader waiting in ``next(upTo:)``, or the transport's ``onReady``.
    private enum Wake {
        case waiter(CheckedContinuation<[StreamMessage]?, Never>)
        case ready(@Sendable () -> Void)
    }

    /// The messages waiting, up to `limit` of them (or the `lagged` notice they owe), waiting
    /// for one if there are none; `nil` once closed and drained. Taking what is there in
    /// one go lets a transport write them in one go.
    func next(upTo limit: Int) async -> [StreamMessage]? {
        await withCheckedContinuation { continuation in
            let ready: [StreamMessage]?? = state.withLock { state in
                let taken = Self.take(upTo: limit, from: &state, board: board)
                if case .some([]) = taken {
                    state.waiter = continuation
                    return nil
                }
                return .some(taken)
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// What ``next(upTo:)`` answers, without waiting: `[]` when nothing is there yet. For a
    /// transport that calls it when ``onReady`` tells it something came.
    func take(upTo limit: Int) -> [StreamMessage]? {
        state.withLock { Self.take(upTo: limit, from: &$0, board: board) }
    }

    /// Makes each push (and the close) call `ready`, from the pushing thread, instead of
    /// waking a reader; `ready` is called once now if something is already there (a replay).
    /// O(1).
    func onReady(_ ready: @escaping @Sendable () -> Void) {
        let waiting = state.withLock { state in
            state.onReady = ready
            return !state.queue.isEmpty || state.missed != nil || state.closed != nil
        }
        if waiting { ready() }
    }

    private static func take(upTo limit: Int, from state: inout State, board: String) -> [StreamMessage]? {
        if !state.queue.isEmpty {
            let count = min(limit, state.queue.count)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
        if let missed = state.missed {
            state.missed = nil
            state.fullSince = nil
            return [BoardEvent.lagged(board: board, missed: missed)]
        }
        return state.closed == nil ? [] : nil
    }

    /// Wakes a waiting reader with `message` if the queue is empty (a keepalive), without
    /// queueing it otherwise: a reader with messages to read is not idle.
    func poke(_ message: StreamMessage) {
        let waiter = state.withLock { state in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: [message])
    }

    /// Closes the mailbox; a waiting reader gets `nil`. The first reason stands.
    func close(_ reason: CloseReason) {
        let (waiter, ready) = state.withLock { state in
            state.closed = state.closed ?? reason
            if reason == .cancelled { state.queue.removeAll() }
            defer { state.waiter = nil }
            return (state.waiter, state.onReady)
        }
        waiter?.resume(returning: nil)
        ready?()
    }

    var closeReason: CloseReason? { state.withLock { $0.closed } }

    /// Messages waiting to be read.
    var depth: Int { state.withLock { $0.queue.count } }
}
