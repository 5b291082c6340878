import Synchronization

#if PODIUM_TSAN
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock of the storage, service and Redis layers when built for ThreadSanitizer
/// (`-Xswiftc -DPODIUM_TSAN`, as `ops/ci/sanitizers.sh thread` does): a `pthread_mutex_t`
/// around the value, with `Mutex`'s `withLock`.
///
/// Why: on Linux `Synchronization.Mutex` takes a contended lock inside the prebuilt standard
/// library, which is not instrumented, so ThreadSanitizer never sees that acquire and reports
/// every access the lock orders as a race. It intercepts `pthread_mutex_lock`, so this one is
/// seen. Every other build uses `Mutex` itself (the `typealias` below): no cost outside TSan.
///
/// - Complexity: O(1) to take and release, plus `body`.
package struct Locked<Value: ~Copyable>: ~Copyable {
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

    package borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}

// Safe: `value` is only reached through `withLock`, which holds `mutex`; both pointers are
// owned by this non-copyable value and freed once, in `deinit`. Values enter as `sending`.
extension Locked: @unchecked Sendable where Value: ~Copyable {}
#else
/// The lock of the storage, service and Redis layers: `Synchronization.Mutex`, except in a
/// ThreadSanitizer build (`-DPODIUM_TSAN`), where it is a `pthread_mutex_t` TSan can see.
package typealias Locked<Value: ~Copyable> = Mutex<Value>
#endif
