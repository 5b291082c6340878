import Synchronization

/// `--max-memory`: once the process's resident memory reaches the limit, writes that would
/// grow the state (a new member on a board, a new session) are refused, while updates of
/// existing members, reads and deletes go on, and nothing is evicted. A sampler
/// (``sample(resident:)``, ten times a second in podiumd) sets a flag that writes read:
/// no system call per write.
public final class MemoryLimit: Sendable {
    /// The limit in bytes; `nil`: none.
    public let bytes: Int?
    private let reached = Atomic<Bool>(false)

    public init(bytes: Int?) {
        self.bytes = bytes
    }

    /// Compares `resident` (by default the process's resident memory now) with the limit.
    public func sample(resident: Int = residentMemoryBytes()) {
        reached.store(bytes.map { resident >= $0 } ?? false, ordering: .relaxed)
    }

    /// Whether the last sample found the limit reached. O(1).
    public var isReached: Bool { reached.load(ordering: .relaxed) }

    /// Throws ``ServiceError/memoryLimit(bytes:)`` while the limit is reached.
    func checkRoomToGrow() throws(ServiceError) {
        if isReached, let bytes { throw .memoryLimit(bytes: bytes) }
    }
}
