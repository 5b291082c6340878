import Synchronization

#if PODIUM_TSAN
/// The lock of the storage, service and Redis layers when built for ThreadSanitizer
/// (`-Xswiftc -DPODIUM_TSAN`, as `ops/ci/sanitizers.sh thread` does): ``HandOverLock``, a
/// `pthread_mutex_t` around the value, with `Mutex`'s `withLock`.
///
/// Why: on Linux `Synchronization.Mutex` takes a contended lock inside the prebuilt standard
/// library, which is not instrumented, so ThreadSanitizer never sees that acquire and reports
/// every access the lock orders as a race. It intercepts `pthread_mutex_lock`, so this one is
/// seen. Every other build uses `Mutex` itself (the `typealias` below): no cost outside TSan.
package typealias Locked<Value: ~Copyable> = HandOverLock<Value>
#else
/// The lock of the storage, service and Redis layers: `Synchronization.Mutex`, except in a
/// ThreadSanitizer build (`-DPODIUM_TSAN`), where it is a `pthread_mutex_t` TSan can see.
package typealias Locked<Value: ~Copyable> = Mutex<Value>
#endif
