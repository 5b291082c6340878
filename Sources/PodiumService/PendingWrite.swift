import PodiumStorage

/// A write applied to its board and given its place in the log, not yet acknowledged:
/// its value is the caller's once the log has it durably under the fsync policy, and its
/// events are published then, in seq order with every other write's.
///
/// What ``BoardRegistry/submit(board:_:)`` waits for with a suspension; a caller that
/// must not suspend (a route answered on its connection's event loop) waits with
/// ``whenDurable(_:)`` and finishes with ``acknowledge(_:)``.
public struct PendingWrite<Value: Sendable>: Sendable {
    /// Whether the log has the write durably: an opaque outcome for ``acknowledge(_:)``.
    public struct Durability: Sendable {
        fileprivate let outcome: Result<Void, StorageError>
    }

    let value: Value
    let position: AppendOnlyLog.Position
    let events: [BoardEvent]
    let handle: BoardHandle
    let journal: Journal

    /// Calls `durable` once the log has the write durably, or cannot: at once, on this
    /// thread, unless the policy is `always`; after that, on the log's flusher thread
    /// under its lock, where `durable` must only hand the outcome on (to an event loop,
    /// say) and call ``acknowledge(_:)`` from there.
    public func whenDurable(_ durable: @escaping @Sendable (Durability) -> Void) {
        journal.store.log.whenDurable(position) { durable(Durability(outcome: $0)) }
    }

    /// Publishes the write's events and returns its value; or, when the log failed, the
    /// error that makes the journal read-only (the write is then not acknowledged and its
    /// events never leave).
    public func acknowledge(_ durability: Durability) throws(ServiceError) -> Value {
        do {
            try durability.outcome.get()
        } catch {
            throw journal.fail(error.description)
        }
        return released()
    }

    /// Publishes the write's events and returns its value: the write is durable.
    func released() -> Value {
        handle.release(events)
        return value
    }
}
