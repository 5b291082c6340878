import Foundation
import PodiumSync

/// The append-only file: records go to the active segment in order, and each append
/// returns a position a writer can wait on until its policy says the record is durable.
///
/// Records are logged in the order appends take the log's mutex: a caller that
/// serialises its own writes (a board) gets them logged in that order. How they reach
/// the file depends on the policy:
/// - `everysec` and `no`: an append writes its frame to the kernel before it returns
///   (sealed there when the segment is encrypted), so a killed process loses nothing it
///   acknowledged.
/// - `always`: nothing is acknowledged before an fsync, so an append only queues its
///   records and returns. The flusher thread writes everything queued as one record group
///   frame (sealed once for all of them when encrypted), fsyncs, and releases every
///   writer that covered (group commit): one write, one seal and one fsync serve all the
///   writers that arrived while the previous fsync ran, and request threads do none of
///   the three.
/// A failed fsync fails the log for good: the kernel may have dropped the dirty pages,
/// and retrying would report data as durable that is not.
///
/// The active segment is preallocated ahead of the writes, 16 MiB at a time (the file
/// system's ``FileSystem/preallocationStep``), under every policy. Under `always`, writes
/// into allocated blocks make each fdatasync cheaper (1 writer here: 5.2k -> 7.2k
/// appends/s). Under all of them, it is how a full disk is met cleanly: ``reserve()``
/// allocates before a writer changes anything, so running out of space refuses the write
/// up front instead of failing it half-applied. It keeps a quarter of a step ahead
/// (4 MiB: more than the records of the largest request, a 1 MiB body).
/// Recovery reads the zeros past the last record as padding, and a clean close or a
/// roll cuts them off.
public final class AppendOnlyLog: Sendable {
    /// A point in the log: all appends before it. Compare to wait for durability.
    public struct Position: Sendable, Comparable, Hashable {
        let appends: UInt64
        public static func < (a: Position, b: Position) -> Bool { a.appends < b.appends }
    }

    private struct Waiter {
        var position: UInt64
        var durable: @Sendable (Result<Void, StorageError>) -> Void
    }

    /// Records queued under `always`, in record group form: the frames the flusher will
    /// write. A new frame starts once one reaches `frameLimit` bytes, between appends.
    private struct Queue: ~Copyable {
        static let frameLimit = 1 << 20
        var frames: [ByteWriter] = []
        var bytes = 0

        mutating func add(_ records: [LogRecord]) {
            if frames.last.map({ $0.bytes.count >= Self.frameLimit }) ?? true { frames.append(ByteWriter()) }
            let before = frames[frames.count - 1].bytes.count
            RecordGroup.encode(records, into: &frames[frames.count - 1])
            bytes += frames[frames.count - 1].bytes.count - before
        }
    }

    private struct State: ~Copyable {
        var file: any StorageFile
        var segment: UInt64
        /// Set when the active segment is encrypted: frames are sealed at their offset.
        var sealing: FileSealing?
        /// Bytes of the segment written: its frames end here.
        var segmentBytes: Int
        /// Bytes of the segment backed by preallocated blocks.
        var allocated: Int
        var queue = Queue()
        /// Appends taken, written to the kernel and fsynced, counted over all segments.
        var appended: UInt64 = 0
        var written: UInt64 = 0
        var synced: UInt64 = 0
        /// Bytes written over all segments.
        var bytesWritten: UInt64 = 0
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

    /// Bytes written, fsyncs made and the time they took since the log was opened (for
    /// metrics, and to see group commit at work: under load, far fewer fsyncs than appends).
    public var statistics: (bytesWritten: UInt64, syncs: Int, syncNanoseconds: UInt64) {
        state.withLock { ($0.bytesWritten, $0.syncs, $0.syncNanoseconds) }
    }

    /// The active segment's number and the bytes written to it.
    public var activeSegment: (number: UInt64, bytes: Int) {
        state.withLock { ($0.segment, $0.segmentBytes) }
    }

    /// How the active segment's records are sealed, if it is encrypted.
    var activeSealing: FileSealing? {
        state.withLock { $0.sealing }
    }

    /// Makes sure a quarter of a preallocation step past the end (queued records
    /// included) is allocated, so the next appends up to that size cannot meet a full
    /// disk. Call it before changing what the records will describe: a failure here
    /// (ENOSPC, say) leaves the log as it was and usable, once space is back. O(1) unless
    /// it allocates.
    public func reserve() throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            if let failure = state.failure { throw failure }
            let end = state.segmentBytes + state.queue.bytes
            guard state.allocated - end < preallocation / 4 else { return }
            try state.file.preallocate(from: end, length: preallocation)
            state.allocated = end + preallocation
        }
    }

    /// Logs `records` as one frame, in order, so that a crash keeps all of them or none:
    /// written before it returns, or under `always` queued for the flusher's next frame.
    /// O(size of the records).
    /// Throws when the log has failed or is closed; nothing is then logged. A write that
    /// fails part way is cut back off the file, which stays valid, and fails the log.
    ///
    /// `onLocked` runs once the records' place in the log is fixed, before they are
    /// sealed or written: a caller holding a lock of its own only for the order of its
    /// records lets it go there.
    @discardableResult
    public func append(_ records: [LogRecord], onLocked: () -> Void = {}) throws(StorageError) -> Position {
        let frame: (kind: UInt8, payload: [UInt8])?
        if policy == .always || records.isEmpty {
            frame = nil
        } else if records.count == 1 {
            var writer = ByteWriter(capacity: 128)
            records[0].encodePayload(into: &writer)
            frame = (records[0].kind.rawValue, writer.bytes)
        } else {
            frame = (RecordGroup.kind, RecordGroup.encode(records))
        }
        return try state.withLock { (state) throws(StorageError) -> Position in
            onLocked()
            if let failure = state.failure { throw failure }
            guard !state.isClosed else { throw .io(path: state.file.path, operation: "append after close", errno: EBADF) }
            guard !records.isEmpty else { return Position(appends: state.appended) }
            if let frame {
                try Self.writeFrame(kind: frame.kind, payload: frame.payload, to: &state, preallocation: preallocation)
                state.written = state.appended + 1
            } else {
                state.queue.add(records)
            }
            state.appended += 1
            return Position(appends: state.appended)
        }
    }

    /// Writes a frame of `kind` and `payload` at the end of the segment, sealed at its
    /// offset when the segment is encrypted. A failure cuts it off and fails the log: the
    /// caller has already changed what the records describe.
    private static func writeFrame(kind: UInt8, payload: [UInt8], to state: inout State, preallocation: Int) throws(StorageError) {
        var bytes: [UInt8] = []
        FileSealing.appendFrame(kind: kind, payload: payload, at: state.segmentBytes, sealing: state.sealing, to: &bytes)
        do throws(StorageError) {
            try preallocate(bytes.count, in: &state, preallocation: preallocation)
            try state.file.write(bytes, at: state.segmentBytes)
        } catch {
            // Cutting a partial frame keeps the file valid (recovery would cut it too, as
            // a torn tail).
            try? state.file.truncate(to: state.segmentBytes)
            state.failure = error
            throw error
        }
        state.bytesWritten += UInt64(bytes.count)
        state.segmentBytes += bytes.count
    }

    /// Writes the queued records, a frame per queued frame, in order.
    private static func writeQueue(_ state: inout State, preallocation: Int) throws(StorageError) {
        if let failure = state.failure { throw failure }
        guard state.written < state.appended else { return }
        let queue = state.queue.frames
        state.queue = Queue()
        for frame in queue {
            try writeFrame(kind: RecordGroup.kind, payload: frame.bytes, to: &state, preallocation: preallocation)
        }
        state.written = state.appended
    }

    /// Allocates past the end when `length` more bytes would not fit.
    private static func preallocate(_ length: Int, in state: inout State, preallocation: Int) throws(StorageError) {
        guard state.segmentBytes + length > state.allocated else { return }
        let step = max(preallocation, length)
        try state.file.preallocate(from: state.segmentBytes, length: step)
        state.allocated = state.segmentBytes + step
    }

    @discardableResult
    public func append(_ record: LogRecord) throws(StorageError) -> Position { try append([record]) }

    /// Returns once the records before `position` are durable under the policy: at once
    /// for `everysec` and `no` (they are in the kernel already), after the fsync that
    /// covers them for `always`.
    public func waitUntilDurable(_ position: Position) async throws {
        guard policy == .always else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            whenDurable(position) { continuation.resume(with: $0.mapError { $0 }) }
        }
    }

    /// Calls `durable` once the records before `position` are durable under the policy,
    /// or with the error that keeps them from being: at once, on this thread, when they
    /// are already (always for `everysec` and `no`); else on the flusher's thread, under
    /// the log's lock, after the fsync that covers them. There `durable` must only hand
    /// the outcome on (resume a task, schedule on an event loop): every append waits for
    /// that lock.
    public func whenDurable(_ position: Position, _ durable: @escaping @Sendable (Result<Void, StorageError>) -> Void) {
        guard policy == .always else { return durable(.success(())) }
        let (outcome, signal): (Result<Void, StorageError>?, Bool) = state.withLock { state in
            if let failure = state.failure { return (.failure(failure), false) }
            if state.synced >= position.appends { return (.success(()), false) }
            state.waiters.append(Waiter(position: position.appends, durable: durable))
            defer { state.flusherSignalled = true }
            return (nil, !state.flusherSignalled)
        }
        if let outcome { durable(outcome) }
        if signal { wake.signal() }
    }

    /// Starts segment `number` (its file created, its `length` bytes of prologue fsynced)
    /// after writing what is queued to the current one and fsyncing it, so a segment is
    /// complete and durable before the next begins.
    func roll(to segment: NewSegment) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            try Self.writeAndSync(&state, preallocation: preallocation)
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

    /// Writes what is queued and fsyncs, stops the flusher and fails later appends.
    /// Idempotent.
    public func close() throws(StorageError) {
        let alreadyClosed = state.withLock { state in
            defer { state.isClosed = true }
            return state.isClosed
        }
        if alreadyClosed { return }
        wake.signal()
        flusherDone.wait()
        try state.withLock { (state) throws(StorageError) in
            try Self.writeAndSync(&state, preallocation: preallocation)
            try Self.trimPadding(&state)
        }
    }

    /// Writes the queue and fsyncs under the lock, releasing the writers it covers (or,
    /// when it fails, every writer).
    private static func writeAndSync(_ state: inout State, preallocation: Int) throws(StorageError) {
        defer { resumeDurable(&state) }
        try writeQueue(&state, preallocation: preallocation)
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
    }

    private static func resumeDurable(_ state: inout State) {
        let synced = state.synced, failure = state.failure
        state.waiters.removeAll { waiter in
            if let failure {
                waiter.durable(.failure(failure))
            } else if waiter.position <= synced {
                waiter.durable(.success(()))
            } else {
                return false
            }
            return true
        }
    }

    /// The flusher: under `always`, wakes when a writer waits, writes what is queued
    /// (under the mutex: a seal and a write for the whole group) and fsyncs it (outside
    /// the mutex, so appends go on meanwhile); under `everysec`, wakes each second to
    /// fsync what appends wrote.
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
                if state.isClosed || state.failure != nil { return nil }
                do throws(StorageError) {
                    try Self.writeQueue(&state, preallocation: preallocation)
                } catch {
                    Self.resumeDurable(&state)
                    return nil
                }
                if state.synced >= state.written { return nil }
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
