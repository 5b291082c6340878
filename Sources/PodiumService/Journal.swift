import Glibc
import PodiumStorage
import PodiumSync

/// The log as the service writes it: records are appended under the caller's lock (so
/// the log holds changes in the order they were applied) and waited for outside it (so
/// one fsync serves many writers).
///
/// Every write first checks ``checkWritable()``, which also reserves room in the log: a
/// full disk refuses the write there (507, nothing changed) and writes resume once space
/// is back. A failure after that, to write or to fsync, makes the journal read-only until
/// a restart: memory may then hold a change the log does not, and a failed fsync is never
/// retried (the kernel may have dropped the pages it failed to write, and a retry that
/// succeeds would call them durable). Reads go on; every write gets a 503.
final class Journal: Sendable {
    let store: DurableStore
    /// Why the journal went read-only, once it has.
    private let failure = Locked<String?>(nil)
    /// Told once, when the journal goes read-only (podiumd logs it).
    private let onReadOnly: @Sendable (String) -> Void

    init(store: DurableStore, onReadOnly: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.onReadOnly = onReadOnly
    }

    /// False once the journal is read-only.
    var isHealthy: Bool { failure.withLock { $0 == nil } }

    /// Throws unless a write may go ahead: ``ServiceError/storageUnavailable(_:)`` when
    /// read-only, ``ServiceError/storageFull(_:)`` when the disk has no room for it.
    func checkWritable() throws(ServiceError) {
        if let reason = failure.withLock({ $0 }) { throw .storageUnavailable(reason) }
        do {
            try store.log.reserve()
        } catch {
            if case let .io(_, _, code) = error, code == ENOSPC || code == EDQUOT { throw .storageFull(error.description) }
            throw fail(error.description)
        }
    }

    /// Appends `records` in one write; `onLocked` runs once they have their place in the
    /// log (``AppendOnlyLog/append(_:onLocked:)``). O(bytes).
    func append(_ records: [LogRecord], onLocked: () -> Void = {}) throws(ServiceError) -> AppendOnlyLog.Position {
        do {
            return try store.log.append(records) { onLocked() }
        } catch {
            throw fail(error.description)
        }
    }

    /// Returns once `position` is durable under the fsync policy.
    func waitUntilDurable(_ position: AppendOnlyLog.Position) async throws(ServiceError) {
        do {
            try await store.log.waitUntilDurable(position)
        } catch {
            throw fail("\(error)")
        }
    }

    /// Makes the journal read-only for good (see the type's comment).
    func fail(_ reason: String) -> ServiceError {
        let first = failure.withLock { failure in
            defer { failure = failure ?? reason }
            return failure == nil
        }
        if first { onReadOnly(reason) }
        return .storageUnavailable(failure.withLock { $0 } ?? reason)
    }
}
