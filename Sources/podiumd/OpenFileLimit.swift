#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open files, which every connection counts against: a shell's
/// default soft limit (often 1024) would refuse connections long before
/// `--max-connections`, and a server whose accepts fail serves nobody new.
enum OpenFileLimit {
    /// Files podiumd keeps open besides connections (logs, snapshots, the listening
    /// socket, event loops' descriptors), with room to spare.
    static let reserved = 256

    /// Raises the soft limit to the hard one, as far as the system allows. Returns the
    /// limit before and after, or nil when it cannot be read.
    static func raiseToHardLimit() -> (before: UInt64, after: UInt64)? {
        var limit = rlimit()
        guard get(&limit) == 0 else { return nil }
        let before = UInt64(limit.rlim_cur)
        var target = limit.rlim_max
        #if canImport(Darwin)
        // macOS refuses a soft limit above OPEN_MAX, even when the hard limit is unlimited.
        target = min(target, rlim_t(OPEN_MAX))
        #endif
        guard target > limit.rlim_cur else { return (before, before) }
        var raised = limit
        raised.rlim_cur = target
        guard set(&raised) == 0 else { return (before, before) }
        return (before, UInt64(target))
    }

    private static func get(_ limit: inout rlimit) -> Int32 {
        #if os(Linux)
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        #else
        getrlimit(RLIMIT_NOFILE, &limit)
        #endif
    }

    private static func set(_ limit: inout rlimit) -> Int32 {
        #if os(Linux)
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        #else
        setrlimit(RLIMIT_NOFILE, &limit)
        #endif
    }
}
