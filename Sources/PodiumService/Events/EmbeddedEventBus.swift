import DequeModule
import PodiumStorage
import PodiumSync

/// The event bus of one podiumd: each board's events go to its subscribers' queues in
/// this process, and a bounded history of them lets a subscriber resume (`since`).
///
/// Publishing an event costs O(log s + hits) for s subscribers of the board, not O(s):
/// subscribers are indexed by filter (everything; `top` sorted by N, so the ones an event
/// reaches are a suffix; `members` by member id). Each event is encoded once, and only when
/// its board has subscribers; the same bytes go to every queue.
public final class EmbeddedEventBus: EventBus {
    public struct Limits: Sendable {
        /// Events kept per board for `since` (~300 bytes each).
        public var history = 10_000
        /// Messages a subscriber's queue holds before it drops and owes a `lagged`.
        public var queue = 1024
        /// How long a queue may stay full before its subscriber is closed.
        public var stayBehind = Duration.seconds(10)

        public init(history: Int = 10_000, queue: Int = 1024, stayBehind: Duration = .seconds(10)) {
            self.history = max(0, history)
            self.queue = max(1, queue)
            self.stayBehind = stayBehind
        }
    }

    private let limits: Limits
    private let channels = Locked<[String: BoardChannel]>([:])
    /// Saved histories by board, until the board opens.
    private let restored = Locked<[String: BoardHistory]>([:])
    private let counters = Locked(EventStatistics())

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public func open(board: String, seq: UInt64) -> any BoardPublisher {
        let saved = restored.withLock { $0.removeValue(forKey: board) }
        let history = saved.flatMap { $0.lastSeq == seq ? $0.events.suffix(limits.history) : nil } ?? ArraySlice()
        let channel = BoardChannel(board: board, seq: seq, history: history, limits: limits) { [weak self] channel, outcome in
            guard let self else { return }
            if outcome.isLast {
                channels.withLock { if $0[board] === channel { $0[board] = nil } }
            }
            counters.withLock { counters in
                counters.published += UInt64(outcome.published)
                counters.dropped += UInt64(outcome.dropped)
            }
        }
        channels.withLock { $0[board] = channel }
        return channel
    }

    public func subscribe(
        board: String, filter: EventFilter, since: UInt64?, onEnd: @escaping @Sendable () -> Void
    ) async throws(ServiceError) -> EventSubscription {
        guard let channel = channels.withLock({ $0[board] }) else { throw .boardNotFound(board) }
        let (id, mailbox) = channel.subscribe(filter: filter, since: since)
        return EventSubscription(mailbox: mailbox) { [weak self, weak channel] in
            channel?.unsubscribe(id)
            let reason = mailbox.closeReason ?? .cancelled
            self?.counters.withLock { $0.closes[reason.rawValue, default: 0] += 1 }
            onEnd()
        }
    }

    public func keptHistory() -> [BoardHistory] {
        channels.withLock { Array($0.values) }.map { $0.keptHistory() }
    }

    public func restore(_ histories: [BoardHistory]) {
        restored.withLock { restored in
            for history in histories { restored[history.board] = history }
        }
    }

    public func statistics() -> EventStatistics {
        var statistics = counters.withLock { $0 }
        for (board, channel) in channels.withLock({ $0 }) {
            statistics.subscribers[board] = channel.subscriberCount
        }
        return statistics
    }
}

/// One board's subscribers and history.
final class BoardChannel: BoardPublisher {
    /// What one publish did, for the bus's counters.
    struct Outcome {
        var published = 0
        var dropped = 0
        /// The board was dropped: this was its last event.
        var isLast = false
    }

    private struct Subscriber {
        let mailbox: EventMailbox
        let filter: EventFilter
        /// `filter.members` as bytes.
        let members: Set<[UInt8]>
    }

    private struct State {
        var lastSeq: UInt64
        /// The latest events; gapless: element i has seq `first.seq + i`. Encoded when sent,
        /// not when kept: a board nobody watches pays no JSON.
        var history = Deque<BoardEvent>()
        var subscribers: [Int: Subscriber] = [:]
        var everything: Set<Int> = []
        /// Subscribers with a `top` filter, by N ascending.
        var byTop: [(top: Int, id: Int)] = []
        var byMember: [[UInt8]: Set<Int>] = [:]
        var nextID = 0
    }

    let board: String
    let limits: EmbeddedEventBus.Limits
    private let state: Locked<State>
    private let report: @Sendable (BoardChannel, Outcome) -> Void

    /// `history`: the events up to `seq`, gapless (or none).
    init(
        board: String, seq: UInt64, history: ArraySlice<BoardEvent> = [], limits: EmbeddedEventBus.Limits,
        report: @escaping @Sendable (BoardChannel, Outcome) -> Void
    ) {
        self.board = board
        self.limits = limits
        self.report = report
        state = Locked(State(lastSeq: seq, history: Deque(history)))
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// The events kept for `since`, and the last seq.
    func keptHistory() -> BoardHistory {
        state.withLock { BoardHistory(board: board, lastSeq: $0.lastSeq, events: Array($0.history)) }
    }

    /// Delivers `events` (in seq order) to every subscriber whose filter passes them.
    func publish(_ events: [BoardEvent]) {
        let outcome = state.withLock { state in
            var outcome = Outcome(published: events.count, isLast: events.last?.kind == .boardDropped)
            for event in events {
                state.lastSeq = event.seq
                if limits.history > 0 {
                    if state.history.count == limits.history { state.history.removeFirst() }
                    state.history.append(event)
                }
                guard !state.subscribers.isEmpty else { continue }
                let (ids, notices) = Self.deliveries(of: event, in: state)
                // Encoded only for an event someone gets: most writes on a big board touch
                // no subscriber's filter, and encoding each cost batches a quarter of their rate.
                var deliveries = notices
                if !ids.isEmpty {
                    let message = event.message
                    deliveries = ids.map { ($0, message) } + notices
                }
                for (id, message) in deliveries {
                    guard let subscriber = state.subscribers[id] else { continue }
                    let pushed = subscriber.mailbox.push(message)
                    if pushed.dropped { outcome.dropped += 1 }
                    if pushed.closed { Self.remove(id, from: &state) }
                }
            }
            return outcome
        }
        report(self, outcome)
    }

    func skip(to seq: UInt64) {
        let outcome = state.withLock { state in
            var outcome = Outcome()
            guard seq > state.lastSeq + 1 else { return outcome }
            let notice = BoardEvent.lagged(board: board, missed: (state.lastSeq + 1)...(seq - 1))
            // The history must stay gapless: it restarts after the loss, and a later `since`
            // before it gets `lagged` from the subscribe path.
            state.history.removeAll()
            state.lastSeq = seq - 1
            for (id, subscriber) in state.subscribers {
                let pushed = subscriber.mailbox.push(notice)
                if pushed.dropped { outcome.dropped += 1 }
                if pushed.closed { Self.remove(id, from: &state) }
            }
            return outcome
        }
        report(self, outcome)
    }

    /// Registers a subscriber, its queue holding the history after `since` that passes its
    /// filter (after a `lagged` notice when `since` is older than the history).
    func subscribe(filter: EventFilter, since: UInt64?) -> (id: Int, mailbox: EventMailbox) {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            let members = Set(filter.members.map { Array($0.utf8) })
            var replay: [StreamMessage] = []
            if let since, since < state.lastSeq {
                let firstKept = state.history.first?.seq ?? state.lastSeq + 1
                if since + 1 < firstKept { replay.append(BoardEvent.lagged(board: board, missed: (since + 1)...(firstKept - 1))) }
                let start = since + 1 > firstKept ? Int(since + 1 - firstKept) : 0
                for event in state.history[start...] {
                    replay += Self.messages(of: event, passing: filter, members: members)
                }
            }
            // Room for the replay on top of the queue: live events must not be dropped for it.
            let mailbox = EventMailbox(board: board, capacity: limits.queue + replay.count, stayBehindLimit: limits.stayBehind)
            for message in replay { mailbox.push(message) }
            let subscriber = Subscriber(mailbox: mailbox, filter: filter, members: members)
            state.subscribers[id] = subscriber
            if filter.isEverything { state.everything.insert(id) }
            if let top = filter.top {
                state.byTop.insert((top, id), at: state.byTop.partitioningIndex { $0.top > top })
            }
            for member in subscriber.members { state.byMember[member, default: []].insert(id) }
            return (id, subscriber.mailbox)
        }
    }

    func unsubscribe(_ id: Int) {
        state.withLock { Self.remove(id, from: &$0) }
    }

    private static func remove(_ id: Int, from state: inout State) {
        guard let subscriber = state.subscribers.removeValue(forKey: id) else { return }
        state.everything.remove(id)
        state.byTop.removeAll { $0.id == id }
        for member in subscriber.members {
            state.byMember[member]?.remove(id)
            if state.byMember[member]?.isEmpty == true { state.byMember[member] = nil }
        }
    }

    /// Who gets `event` itself, and who gets which `overtaken` notice (encoded here, for
    /// its watchers only). O(log s + hits).
    private static func deliveries(of event: BoardEvent, in state: State) -> (ids: [Int], notices: [(Int, StreamMessage)]) {
        if event.kind.isWholeBoard { return (Array(state.subscribers.keys), []) }
        var ids = Array(state.everything)
        if let best = event.bestRankTouched {
            let first = state.byTop.partitioningIndex { $0.top >= best }
            ids += state.byTop[first...].map(\.id)
        }
        if let member = event.member, let watchers = state.byMember[Array(member.utf8)] {
            for id in watchers where state.subscribers[id]?.filter.topPasses(event) == false { ids.append(id) }
        }
        var notices: [(Int, StreamMessage)] = []
        for overtaken in event.overtook {
            guard let watchers = state.byMember[Array(overtaken.member.utf8)] else { continue }
            let notice = event.message(for: overtaken)
            notices += watchers.map { ($0, notice) }
        }
        return (ids, notices)
    }

    /// What a subscriber with `filter` (`members` its ids as bytes) gets of `event`, for a
    /// replay from the history.
    private static func messages(of event: BoardEvent, passing filter: EventFilter, members: Set<[UInt8]>) -> [StreamMessage] {
        var messages: [StreamMessage] = []
        if event.kind.isWholeBoard || filter.isEverything || filter.topPasses(event)
            || event.member.map({ members.contains(Array($0.utf8)) }) == true
        {
            messages.append(event.message)
        }
        for overtaken in event.overtook where members.contains(Array(overtaken.member.utf8)) {
            messages.append(event.message(for: overtaken))
        }
        return messages
    }
}

extension Array {
    /// The first index whose element satisfies `belongs`, for a predicate that is false
    /// then true along the array. O(log n).
    fileprivate func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var low = startIndex, high = endIndex
        while low < high {
            let middle = low + (high - low) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
