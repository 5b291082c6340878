import Glibc

/// A lock around a value whose holder may let it go before its section ends, once the
/// next step holds its place: a board's writer holds the board until its record has its
/// place in the log, so the log keeps each board's changes in their order, and then lets
/// the board go while the record is sealed and written (an encrypted record's seal took
/// 4 us, and readers and snapshots of the board waited for it). A `pthread_mutex_t`, which ThreadSanitizer
/// sees (as ``Locked`` is in its TSan build).
///
/// - Complexity: O(1) to take and release, plus the section.
package final class HandOverLock<Value: ~Copyable>: @unchecked Sendable {
    // @unchecked Sendable: `value` is reached only inside a section, which holds `mutex`,
    // and a releasable section's body gives up the value when it releases (its contract);
    // both pointers are owned by this object and freed once, in deinit.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    package init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// `Mutex`'s `withLock`, so that this can stand in for it (``Locked`` in a TSan build).
    package func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }

    /// Runs `body` under the lock, with `release`, which lets the lock go at once (once;
    /// later calls do nothing). After calling it, `body` must not touch the value again.
    /// The lock is let go when `body` ends, if it did not.
    package func withLock<Result, E: Error>(
        releasable body: (inout Value, _ release: () -> Void) throws(E) -> Result
    ) throws(E) -> Result {
        pthread_mutex_lock(mutex)
        var held = true
        defer { if held { pthread_mutex_unlock(mutex) } }
        return try body(&value.pointee) {
            guard held else { return }
            held = false
            pthread_mutex_unlock(mutex)
        }
    }
}
