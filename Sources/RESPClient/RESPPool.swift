import PodiumSync

/// What sends commands to Redis: one connection, a pool, a cluster.
public protocol RESPCommandSender: Sendable {
    /// Sends `command` and returns its reply; an error reply throws ``RESPError/server(_:)``.
    func send(_ command: RESPCommand) async throws(RESPError) -> RESPValue
    /// Sends every command at once and returns their replies in order, error replies as
    /// ``RESPValue/error(_:)`` values.
    func pipeline(_ commands: [RESPCommand]) async throws(RESPError) -> [RESPValue]
    /// Sends `command`, then `WAIT replicas timeout` on the same connection: its reply, and
    /// how many replicas had its effects when WAIT answered (at most `timeout` later).
    func send(_ command: RESPCommand, thenWaitFor replicas: Int, timeout: Duration) async throws(RESPError) -> (reply: RESPValue, replicas: Int)
}

extension RESPCommandSender {
    /// One pipeline on one connection: WAIT counts the writes sent on it before.
    public func send(
        _ command: RESPCommand, thenWaitFor replicas: Int, timeout: Duration
    ) async throws(RESPError) -> (reply: RESPValue, replicas: Int) {
        let replies = try await pipeline([command, RESPCommand("WAIT", String(replicas), String(timeout.milliseconds))])
        guard replies.count == 2 else { throw .protocolViolation("two commands, \(replies.count) replies") }
        return (try replies[0].throwingServerError(), Int(replies[1].integer ?? 0))
    }
}

extension Duration {
    /// Whole milliseconds, at least 1.
    var milliseconds: Int64 { max(1, components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) }
}

extension RESPConnection: RESPCommandSender {}

/// A few connections to one server, used in turn: each pipelines whatever is sent on it,
/// so a handful carries many concurrent requests, and a command stuck behind a slow one
/// waits on one connection only. A connection that closed (the server restarted, failed
/// over, timed out) is opened again when next used; while the server cannot be reached,
/// new attempts back off (50 ms doubling to 2 s) and commands fail at once with the last
/// error instead of each waiting for a connect timeout.
public final class RESPPool: RESPCommandSender {
    private enum Slot {
        case empty
        case connecting(Task<RESPConnection, any Error>)
        case open(RESPConnection)
    }

    private struct State {
        var slots: [Slot]
        var next = 0
        /// No connect is tried before this, after a failed one.
        var retryAt: ContinuousClock.Instant?
        var backoff = RESPPool.firstBackoff
        var lastError: RESPError?
    }

    static let firstBackoff = Duration.milliseconds(50)
    static let longestBackoff = Duration.seconds(2)

    public let configuration: RESPConfiguration
    private let state: Locked<State>

    /// A pool of `size` connections to `configuration`'s server, opened when first used.
    public init(_ configuration: RESPConfiguration, size: Int = 4) {
        self.configuration = configuration
        state = Locked(State(slots: Array(repeating: .empty, count: max(1, size))))
    }

    public func send(_ command: RESPCommand) async throws(RESPError) -> RESPValue {
        try await connection().send(command)
    }

    public func pipeline(_ commands: [RESPCommand]) async throws(RESPError) -> [RESPValue] {
        try await connection().pipeline(commands)
    }

    /// Closes every open connection; the next command opens them again.
    public func close() async {
        let slots = state.withLock { state in
            defer { state.slots = state.slots.map { _ in .empty } }
            return state.slots
        }
        for case let .open(connection) in slots { await connection.close() }
    }

    /// The next connection in turn, opened (or opened again) if need be.
    private func connection() async throws(RESPError) -> RESPConnection {
        enum Next {
            case ready(RESPConnection)
            case wait(Task<RESPConnection, any Error>)
            case refused(RESPError)
        }
        let configuration = configuration
        let (index, next) = state.withLock { state -> (Int, Next) in
            let index = state.next
            state.next = (index + 1) % state.slots.count
            switch state.slots[index] {
            case let .open(connection) where connection.isOpen:
                return (index, .ready(connection))
            case let .connecting(task):
                return (index, .wait(task))
            case .open, .empty:
                if let retryAt = state.retryAt, retryAt > .now {
                    return (index, .refused(state.lastError ?? .unreachable("reconnecting")))
                }
                let task = Task { () async throws -> RESPConnection in try await RESPConnection.connect(configuration) }
                state.slots[index] = .connecting(task)
                return (index, .wait(task))
            }
        }
        switch next {
        case let .ready(connection):
            return connection
        case let .refused(error):
            throw error
        case let .wait(task):
            do {
                let connection = try await task.value
                state.withLock { state in
                    if case .connecting = state.slots[index] { state.slots[index] = .open(connection) }
                    state.retryAt = nil
                    state.backoff = Self.firstBackoff
                }
                return connection
            } catch {
                // A connection that failed to open sent nothing: the command may go again.
                var failure = error as? RESPError ?? .unreachable("\(error)")
                if case let .connectionClosed(reason) = failure { failure = .unreachable(reason) }
                state.withLock { state in
                    if case .connecting = state.slots[index] { state.slots[index] = .empty }
                    state.lastError = failure
                    state.retryAt = .now + state.backoff
                    state.backoff = min(state.backoff * 2, Self.longestBackoff)
                }
                throw failure
            }
        }
    }
}
