import Foundation
import PodiumService
import PodiumSync
import RESPClient

/// Brings the boards' events from Redis to this podiumd's subscribers. The write scripts
/// publish each board's events on its channel and keep them in its capped stream; the relay
/// listens to every board's channel on one connection (`PSUBSCRIBE`) and hands the events
/// of boards someone here watches to a local ``EmbeddedEventBus``, which filters and fans
/// them out as it does for the embedded store.
///
/// Everything that changes which events a board has here runs in order on one task: the
/// events as they arrive, a board's first subscription (which loads the board's stream as
/// its history, so `since` reaches as far back on every podiumd), and catching up from the
/// stream after a gap (a reconnection, or a subscription opened while events were on their
/// way). A board's events therefore reach its subscribers gapless and in seq order.
///
/// `overtaken` notices come with the events: the write script finds them among the members
/// watched by any podiumd's subscribers (``RedisBoards/subscribe(board:filter:since:)``).
public final class RedisEventRelay: Sendable {
    private enum Work: Sendable {
        /// A pub/sub message: a board's channel and its events' JSON.
        case message(channel: String, payload: [UInt8])
        /// Open `board` here, its seq on Redis `seq`, then resume `done`.
        case open(board: String, seq: UInt64, done: CheckedContinuation<Void, Never>)
        /// The listening connection closed: listen again and catch up.
        case reconnect
    }

    /// One board someone here subscribed to.
    private struct OpenBoard {
        let publisher: any BoardPublisher
        var lastSeq: UInt64
    }

    public let bus: EmbeddedEventBus
    private let redis: any RESPCommandSender
    /// Where to listen, in turn after each lost connection (every node of a cluster relays
    /// every message).
    private let listenTo: [RESPConfiguration]
    private let keys: RedisBoardKeys
    private let history: Int
    private let work: AsyncStream<Work>.Continuation
    private let stream: AsyncStream<Work>
    private let listener = Locked<RESPConnection?>(nil)

    /// A relay of the events published on `listenTo`'s servers (on a connection of its own,
    /// to each in turn), reading streams through `redis`. Call ``run()`` for it to work.
    public init(
        listenTo: [RESPConfiguration], redis: any RESPCommandSender, prefix: String = "podium", history: Int = 10_000,
        limits: EmbeddedEventBus.Limits = EmbeddedEventBus.Limits()
    ) {
        self.listenTo = listenTo
        self.redis = redis
        keys = RedisBoardKeys(prefix: prefix)
        self.history = history
        bus = EmbeddedEventBus(limits: limits)
        (stream, work) = AsyncStream.makeStream(of: Work.self)
    }

    /// Listens until cancelled, reconnecting with backoff (50 ms doubling to 2 s).
    public func run() async {
        var boards: [String: OpenBoard] = [:]
        await listen()
        for await item in stream {
            if Task.isCancelled { break }
            switch item {
            case let .message(channel, payload):
                guard let board = keys.board(ofChannel: channel), boards[board] != nil else { continue }
                await deliver(Self.decode(payload, board: board), to: board, in: &boards)
            case let .open(board, seq, done):
                if boards[board] == nil { boards[board] = await load(board, seq: seq) }
                done.resume()
            case .reconnect:
                await listen()
                for board in boards.keys.sorted() { await deliver([], to: board, in: &boards) }
            }
        }
        await listener.withLock { $0 }?.close()
    }

    /// Makes sure `board`'s events reach this podiumd, then subscribes to them on the bus;
    /// `onEnd` runs once the subscription ends.
    func subscribe(
        board: String, seq: UInt64, filter: EventFilter, since: UInt64?, onEnd: @escaping @Sendable () -> Void
    ) async throws(ServiceError) -> EventSubscription {
        await withCheckedContinuation { done in work.yield(.open(board: board, seq: seq, done: done)) }
        return try await bus.subscribe(board: board, filter: filter, since: since, onEnd: onEnd)
    }

    /// Hands `events` (in seq order) to `board`'s subscribers, first reading from its stream
    /// any it missed; forgets the board after its drop.
    private func deliver(_ events: [BoardEvent], to board: String, in boards: inout [String: OpenBoard]) async {
        guard var open = boards[board] else { return }
        var fresh = events.filter { $0.seq > open.lastSeq }
        // Events already read from the stream come again by pub/sub: nothing to do.
        if fresh.isEmpty && !events.isEmpty { return }
        if fresh.first.map({ $0.seq > open.lastSeq + 1 }) ?? true {
            // A gap (or a catch-up): what the stream holds after the last one delivered.
            fresh = await read(board, after: open.lastSeq, before: fresh.first?.seq) + fresh
        }
        if let first = fresh.first?.seq, first > open.lastSeq + 1 {
            // Older than the stream keeps: lost for good, and the subscribers are told.
            open.publisher.skip(to: first)
        }
        let events = fresh
        guard !events.isEmpty else { return }
        open.publisher.publish(events)
        open.lastSeq = events[events.count - 1].seq
        boards[board] = events.last?.kind == .boardDropped ? nil : open
    }

    /// Opens `board` on the bus with its stream as history: up to now, so what was published
    /// before it opened here (and so not relayed) is in.
    private func load(_ board: String, seq: UInt64) async -> OpenBoard {
        let kept = await read(board, after: seq > UInt64(history) ? seq - UInt64(history) : 0, before: nil)
        let first = kept.first.map { $0.seq - 1 } ?? seq
        let open = OpenBoard(publisher: bus.open(board: board, seq: first), lastSeq: first)
        open.publisher.publish(kept)
        return OpenBoard(publisher: open.publisher, lastSeq: kept.last?.seq ?? first)
    }

    /// `board`'s events kept in its stream after `after` (and before `before`), gapless
    /// from the first one kept.
    private func read(_ board: String, after: UInt64, before: UInt64?) async -> [BoardEvent] {
        let end = before.map { "(0-\($0)" } ?? "+"
        let reply = try? await redis.send(RESPCommand("XRANGE", keys.events(board), "(0-\(after)", end))
        var events: [BoardEvent] = []
        for entry in reply?.elements ?? [] {
            guard let fields = entry.elements?.last?.elements, fields.count >= 2, case let .bulkString(json) = fields[1] else { continue }
            for event in Self.decode(json, board: board, single: true) where events.last.map({ event.seq == $0.seq + 1 }) ?? true {
                events.append(event)
            }
        }
        return events
    }

    /// (Re)opens the listening connection and subscribes to every board's channel, backing
    /// off while Redis cannot be reached.
    private func listen() async {
        var backoff = Duration.milliseconds(50)
        var attempt = 0
        while !Task.isCancelled, !listenTo.isEmpty {
            let work = work
            let configuration = listenTo[attempt % listenTo.count]
            attempt += 1
            do {
                let connection = try await RESPConnection.connect(configuration) { push in
                    guard let parts = push.elements, parts.count == 4, parts[0].string == "pmessage", let channel = parts[2].string,
                        case let .bulkString(payload) = parts[3]
                    else { return }
                    work.yield(.message(channel: channel, payload: payload))
                }
                try await connection.sendForPushes(RESPCommand("PSUBSCRIBE", keys.eventPattern))
                listener.withLock { $0 = connection }
                Task { [weak self] in
                    await connection.closed()
                    if !Task.isCancelled { self?.work.yield(.reconnect) }
                }
                return
            } catch {
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
        }
    }

    /// The events of a message (a JSON array) or a stream entry (one JSON object).
    static func decode(_ json: [UInt8], board: String, single: Bool = false) -> [BoardEvent] {
        let decoder = JSONDecoder()
        let wire: [WireEvent]
        if single {
            wire = (try? decoder.decode(WireEvent.self, from: Data(json))).map { [$0] } ?? []
        } else {
            wire = (try? decoder.decode([WireEvent].self, from: Data(json))) ?? []
        }
        return wire.compactMap { $0.event(board: board) }
    }
}

/// An event as the scripts write it: every field a string (``BoardScripts``).
private struct WireEvent: Decodable {
    var seq: String
    var kind: String
    var at: String
    var member: String?
    var score: String?
    var rank: String?
    var previous_score: String?
    var previous_rank: String?
    var reason: String?
    var season: String?
    var overtook: [WireOvertaken]?

    struct WireOvertaken: Decodable {
        var member: String
        var rank: String
    }

    func event(board: String) -> BoardEvent? {
        guard let seq = UInt64(seq), let kind = BoardEvent.Kind(rawValue: kind), let at = Int64(at) else { return nil }
        return BoardEvent(
            seq: seq, board: board, kind: kind, member: member, score: score.flatMap { Double($0) }, rank: rank.flatMap { Int($0) },
            previousScore: previous_score.flatMap { Double($0) }, previousRank: previous_rank.flatMap { Int($0) },
            reason: reason.flatMap(BoardEvent.RemovalReason.init), season: season, at: at,
            overtook: (overtook ?? []).compactMap { passed in Int(passed.rank).map { Overtaken(member: passed.member, rank: $0) } })
    }
}
