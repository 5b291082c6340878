import Foundation
import PodiumSync

/// The append-only file: records go to the active segment in order, and each append
/// returns a position a writer can wait on until its policy says the record is durable.
///
/// Appends write to the kernel at once, under a mutex, so the order in the file is the
/// order of `append` calls: a caller that serialises its own writes (a board) gets them
/// logged in that order. Durability is separate: under `always` a flusher thread fsyncs
/// everything written so far and releases every writer whose record that covered, so one
/// fsync serves all the writers that arrived while the previous one ran (group commit).
/// A failed fsync fails the log for good: the kernel may have dropped the dirty pages,
/// and retrying would report data as durable that is not.
///
/// The active segment is preallocated ahead of the writes, 16 MiB at a time (the file
/// system's ``FileSystem/preallocationStep``), under every policy. Under `always`, writes into allocated blocks make each fdatasync cheaper
/// (1 writer here: 5.2k -> 7.2k appends/s). Under all of them, it is how a full disk is
/// met cleanly: ``reserve(headroom:)`` allocates before a writer changes anything, so
/// running out of space refuses the write up front instead of failing it half-applied.
/// It keeps a quarter of a step ahead (4 MiB: more than the records of the largest
/// request, a 1 MiB body).
/// Recovery reads the zeros past the last record as padding, and a clean close or a
/// roll cuts them off.
public final class AppendOnlyLog: Sendable {
    /// A point in the log: all bytes appended before it. Compare to wait for durability.
    public struct Position: Sendable, Comparable, Hashable {
        let offset: UInt64
        public static func < (a: Position, b: Position) -> Bool { a.offset < b.offset }
    }

    private struct Waiter {
        var position: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State: ~Copyable {
        var file: any StorageFile
        var segment: UInt64
        /// Set when the active segment is encrypted: records are sealed at their offset.
        var sealing: FileSealing?
        var segmentBytes: Int
        /// Bytes of the segment backed by preallocated blocks.
        var allocated: Int
        /// Bytes appended and bytes known durable, counted over all segments.
        var written: UInt64 = 0
        var synced: UInt64 = 0
        var waiters: [Waiter] = []
        var failure: StorageError?
        var isClosed = false
        var syncs = 0
        var syncNanoseconds: UInt64 = 0
        /// Whether the flusher has a wake-up pending: writers signal only when it has not,
        /// which saves a futex call per waiter.
        var flusherSignalled = false
    }

    public let policy: FsyncPolicy
    /// Bytes allocated at a time ahead of the writes.
    private let preallocation: Int
    private let state: Locked<State>
    private let wake = DispatchSemaphore(value: 0)
    private let flusherDone = DispatchSemaphore(value: 0)

    /// Appends to `segment` (its header already durable) from byte `length`, the end of
    /// its last valid record, sealing records under `sealing` if it is encrypted. Starts
    /// the flusher thread for `always` and `everysec`.
    init(file: any StorageFile, segment: UInt64, length: Int, sealing: FileSealing?, policy: FsyncPolicy, preallocation: Int) {
        self.policy = policy
        self.preallocation = preallocation
        state = Locked(State(file: file, segment: segment, sealing: sealing, segmentBytes: length, allocated: length))
        if policy == .no {
            flusherDone.signal()
        } else {
            let thread = Thread { [self] in flushLoop() }
            thread.name = "podium-aof-fsync"
            thread.start()
        }
    }

    /// Bytes appended, fsyncs made and the time they took since the log was opened (for
    /// metrics, and to see group commit at work: under load, far fewer fsyncs than appends).
    public var statistics: (bytesWritten: UInt64, syncs: Int, syncNanoseconds: UInt64) {
        state.withLock { ($0.written, $0.syncs, $0.syncNanoseconds) }
    }

    /// The active segment's number and size.
    public var activeSegment: (number: UInt64, bytes: Int) {
        state.withLock { ($0.segment, $0.segmentBytes) }
    }

    /// How the active segment's records are sealed, if it is encrypted.
    var activeSealing: FileSealing? {
        state.withLock { $0.sealing }
    }

    /// Makes sure a quarter of a preallocation step past the end is allocated, so the
    /// next appends up to that size cannot meet a full disk. Call it before changing what
    /// the records will describe: a failure here (ENOSPC, say) leaves the log as it was
    /// and usable, once space is back. O(1) unless it allocates.
    public func reserve() throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            if let failure = state.failure { throw failure }
            guard state.allocated - state.segmentBytes < preallocation / 4 else { return }
            let length = preallocation
            try state.file.preallocate(from: state.segmentBytes, length: length)
            state.allocated = state.segmentBytes + length
        }
    }

    /// Writes `records` to the log as one write and one frame, in order, so that a crash
    /// keeps all of them or none. O(size of the records).
    /// Throws when the log has failed or is closed; nothing is then written. A write that
    /// fails part way is cut back off the file, which stays valid, and fails the log.
    ///
    /// `onLocked` runs once the log's lock is held, before the frame is sealed and
    /// written: a caller holding a lock of its own only for the order of its records
    /// lets it go there, as appends are written in the order they take this lock.
    @discardableResult
    public func append(_ records: [LogRecord], onLocked: () -> Void = {}) throws(StorageError) -> Position {
        var frame: (kind: UInt8, payload: [UInt8])?
        if records.count == 1 {
            var writer = ByteWriter()
            records[0].encodePayload(into: &writer)
            frame = (records[0].kind.rawValue, writer.bytes)
        } else if !records.isEmpty {
            // One frame: a power cut keeps all of them or none.
            frame = (RecordGroup.kind, RecordGroup.encode(records))
        }
        return try state.withLock { (state) throws(StorageError) -> Position in
            onLocked()
            if let failure = state.failure { throw failure }
            guard !state.isClosed else { throw .io(path: state.file.path, operation: "append after close", errno: EBADF) }
            // Framed here: a sealed frame is bound to its offset in the segment.
            var bytes: [UInt8] = []
            if let frame {
                FileSealing.appendFrame(kind: frame.kind, payload: frame.payload, at: state.segmentBytes, sealing: state.sealing, to: &bytes)
            }
            do throws(StorageError) {
                if state.segmentBytes + bytes.count > state.allocated {
                    let length = max(preallocation, bytes.count)
                    try state.file.preallocate(from: state.segmentBytes, length: length)
                    state.allocated = state.segmentBytes + length
                }
                try state.file.write(bytes, at: state.segmentBytes)
            } catch {
                // The caller has already changed what the record describes, so the log
                // stops here either way; cutting a partial record keeps the file valid
                // (recovery would cut it too, as a torn tail).
                try? state.file.truncate(to: state.segmentBytes)
                state.failure = error
                throw error
            }
            state.written += UInt64(bytes.count)
            state.segmentBytes += bytes.count
            return Position(offset: state.written)
        }
    }

    @discardableResult
    public func append(_ record: LogRecord) throws(StorageError) -> Position { try append([record]) }

    /// Returns once the records before `position` are durable under the policy: at once
    /// for `everysec` and `no` (they are in the kernel already), after the fsync that
    /// covers them for `always`.
    public func waitUntilDurable(_ position: Position) async throws {
        guard policy == .always else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let (outcome, signal): (Result<Void, StorageError>?, Bool) = state.withLock { state in
                if let failure = state.failure { return (.failure(failure), false) }
                if state.synced >= position.offset { return (.success(()), false) }
                state.waiters.append(Waiter(position: position.offset, continuation: continuation))
                defer { state.flusherSignalled = true }
                return (nil, !state.flusherSignalled)
            }
            if let outcome { continuation.resume(with: outcome) }
            if signal { wake.signal() }
        }
    }

    /// Starts segment `number` (its file created, its `length` bytes of prologue fsynced)
    /// after fsyncing the current one, so a segment is complete and durable before the
    /// next begins.
    func roll(to segment: NewSegment) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            try Self.syncLocked(&state)
            try Self.trimPadding(&state)
            state.file = segment.file
            state.segment = segment.number
            state.sealing = segment.sealing
            state.segmentBytes = segment.length
            state.allocated = segment.length
        }
    }

    /// Cuts the preallocated zeros past the last record, durably.
    private static func trimPadding(_ state: inout State) throws(StorageError) {
        guard state.allocated > state.segmentBytes else { return }
        try state.file.truncate(to: state.segmentBytes)
        try state.file.sync()
        state.allocated = state.segmentBytes
    }

    /// Flushes and fsyncs, stops the flusher and fails later appends. Idempotent.
    public func close() throws(StorageError) {
        let alreadyClosed = state.withLock { state in
            defer { state.isClosed = true }
            return state.isClosed
        }
        if alreadyClosed { return }
        wake.signal()
        flusherDone.wait()
        try state.withLock { (state) throws(StorageError) in
            try Self.syncLocked(&state)
            try Self.trimPadding(&state)
        }
    }

    private static func syncLocked(_ state: inout State) throws(StorageError) {
        if let failure = state.failure { throw failure }
        guard state.synced < state.written else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        do throws(StorageError) {
            try state.file.syncData()
        } catch {
            state.failure = error
            throw error
        }
        state.synced = state.written
        state.syncs += 1
        state.syncNanoseconds += DispatchTime.now().uptimeNanoseconds - started
        resumeDurable(&state)
    }

    private static func resumeDurable(_ state: inout State) {
        let synced = state.synced, failure = state.failure
        state.waiters.removeAll { waiter in
            if let failure {
                waiter.continuation.resume(throwing: failure)
            } else if waiter.position <= synced {
                waiter.continuation.resume()
            } else {
                return false
            }
            return true
        }
    }

    /// The flusher: under `always`, wakes when a writer waits and fsyncs all that is
    /// written (outside the mutex, so appends go on meanwhile); under `everysec`, also
    /// wakes each second.
    private func flushLoop() {
        // Writers seen around the last fsync: those it released plus those that arrived
        // while it ran. All of them are expected back for the next one.
        var writersInFlight = 0
        var lastSyncNanoseconds: UInt64 = 0
        while true {
            if policy == .always { wake.wait() } else { _ = wake.wait(timeout: .now() + 1) }
            if policy == .always { gather(expecting: writersInFlight, within: lastSyncNanoseconds / 2) }
            let work: (file: any StorageFile, target: UInt64, batch: Int)? = state.withLock { state in
                state.flusherSignalled = false
                if state.isClosed || state.failure != nil || state.synced >= state.written { return nil }
                return (state.file, state.written, state.waiters.count)
            }
            if let work {
                let started = DispatchTime.now().uptimeNanoseconds
                let outcome = Result { () throws(StorageError) in try work.file.syncData() }
                lastSyncNanoseconds = DispatchTime.now().uptimeNanoseconds - started
                writersInFlight = state.withLock { state in
                    switch outcome {
                    case .success:
                        state.synced = max(state.synced, work.target)
                        state.syncs += 1
                        state.syncNanoseconds += lastSyncNanoseconds
                    case let .failure(error): state.failure = state.failure ?? error
                    }
                    Self.resumeDurable(&state)
                    return work.batch + state.waiters.count
                }
            }
            if state.withLock({ $0.isClosed }) { break }
        }
        flusherDone.signal()
    }

    /// Waits, briefly, for the writers around the last fsync to come back. They return
    /// one by one over some microseconds; syncing at the first would cover a few and
    /// leave the rest to the next fsync, and the writers settle into two half-size
    /// cohorts. Waiting for all of them, but never longer than half the last fsync's
    /// duration, keeps one batch (measured in BENCHMARKS.md). It sleeps rather than spins:
    /// the writers it waits for need the CPU.
    private func gather(expecting count: Int, within budget: UInt64) {
        let deadline = DispatchTime.now().uptimeNanoseconds + budget
        while state.withLock({ $0.waiters.count < count && !$0.isClosed }), DispatchTime.now().uptimeNanoseconds < deadline {
            usleep(10)
        }
    }
}
