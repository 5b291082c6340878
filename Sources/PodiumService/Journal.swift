import PodiumStorage
import Synchronization

/// The log as the service writes it: records are appended under the caller's lock (so
/// the log holds changes in the order they were applied) and waited for outside it (so
/// one fsync serves many writers). The first failure to write or sync fails every user of
/// the journal, reads included, until a restart: memory may then hold a change the log
/// does not, and nobody may see it.
final class Journal: Sendable {
    let store: DurableStore
    /// Why the log failed, once it has.
    private let failure = Mutex<String?>(nil)

    init(store: DurableStore) {
        self.store = store
    }

    var isHealthy: Bool { failure.withLock { $0 == nil } }

    func checkHealthy() throws(ServiceError) {
        if let reason = failure.withLock({ $0 }) { throw .storageUnavailable(reason) }
    }

    /// Appends `records` in one write. O(bytes).
    func append(_ records: [LogRecord]) throws(ServiceError) -> AppendOnlyLog.Position {
        do {
            return try store.log.append(records)
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

    /// Fails the journal for good (see the type's comment).
    private func fail(_ reason: String) -> ServiceError {
        failure.withLock { $0 = $0 ?? reason }
        return .storageUnavailable(reason)
    }
}
