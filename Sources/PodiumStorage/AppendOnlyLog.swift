import Foundation
import PodiumSync

/// The append-only file: records go to the active segment in order, and each append
/// returns a position a writer can wait on until its policy says the record is durable.
///
/// Appends write to the kernel before they return, in the order they took their place
/// under the log's mutex: a caller that serialises its own writes (a board) gets them
/// logged in that order. A plain frame is written under the mutex; an encrypted one is
/// given its place there and sealed outside it, then written once the frames before it
/// are, so concurrent writers seal side by side instead of queueing behind each other's
/// seal. Durability is separate: under `always` a flusher thread fsyncs
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
        /// Bytes of the segment written: the records in it end here, with no gap before.
        var segmentBytes: Int
        /// Bytes of the segment given to frames, written or still being sealed (see
        /// `appendSealed`); equal to `segmentBytes` when no sealed frame is in flight.
        var reservedBytes: Int
        /// Bytes of the segment backed by preallocated blocks.
        var allocated: Int
        /// Bytes appended and bytes known durable, counted over all segments.
        var written: UInt64 = 0
        var synced: UInt64 = 0
        /// Bytes given to frames over all segments: the log's size once those in flight are
        /// written.
        var reserved: UInt64 { written + UInt64(reservedBytes - segmentBytes) }
        /// Set while a roll waits for the sealed frames in flight: no new one starts.
        var isRolling = false
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
        state = Locked(State(file: file, segment: segment, sealing: sealing, segmentBytes: length, reservedBytes: length, allocated: length))
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
            guard state.allocated - state.reservedBytes < preallocation / 4 else { return }
            let length = preallocation
            try state.file.preallocate(from: state.reservedBytes, length: length)
            state.allocated = state.reservedBytes + length
        }
    }

    /// Writes `records` to the log as one write and one frame, in order, so that a crash
    /// keeps all of them or none. O(size of the records).
    /// Throws when the log has failed or is closed; nothing is then written. A write that
    /// fails part way is cut back off the file, which stays valid, and fails the log.
    ///
    /// `onLocked` runs once the record's place in the log is fixed, before the frame is
    /// sealed and written: a caller holding a lock of its own only for the order of its
    /// records lets it go there, as appends are written in the order they reach this point.
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
        let placed: Placement = try whenNotRolling { (state) throws(StorageError) -> Placement in
            onLocked()
            if let failure = state.failure { throw failure }
            guard !state.isClosed else { throw .io(path: state.file.path, operation: "append after close", errno: EBADF) }
            guard let sealing = state.sealing, let frame else {
                var bytes: [UInt8] = []
                if let frame { RecordFrame.append(kind: frame.kind, payload: frame.payload, to: &bytes) }
                try Self.write(bytes, to: &state, preallocation: preallocation)
                return .written(Position(offset: state.reserved))
            }
            // Sealed outside the lock: its place is fixed here (a sealed frame is bound to
            // its offset, and its length is known before sealing).
            let length = RecordFrame.overhead + sealing.cipher.overhead + 1 + frame.payload.count
            do throws(StorageError) {
                try Self.preallocate(length, in: &state, preallocation: preallocation)
            } catch {
                // As a failed write: the caller has already changed what the record describes.
                state.failure = error
                throw error
            }
            defer { state.reservedBytes += length }
            return .sealed(
                SealedFrame(kind: frame.kind, payload: frame.payload, offset: state.reservedBytes, length: length, end: state.reserved + UInt64(length), sealing: sealing))
        }
        switch placed {
        case let .written(position): return position
        case let .sealed(frame): return try appendSealed(frame)
        }
    }

    private enum Placement {
        case written(Position)
        case sealed(SealedFrame)
    }

    /// A frame to seal, and its place: its offset in the active segment, its length sealed,
    /// and the log's size once it is written.
    private struct SealedFrame {
        var kind: UInt8
        var payload: [UInt8]
        var offset: Int
        var length: Int
        var end: UInt64
        var sealing: FileSealing
    }

    /// Seals `frame` outside the lock, then writes it once every frame before it is
    /// written: the file never has a gap, and the append returns with its frame in the
    /// kernel. Writers seal side by side; only the `pwrite`s are one at a time.
    private func appendSealed(_ frame: SealedFrame) throws(StorageError) -> Position {
        var bytes: [UInt8] = []
        FileSealing.appendFrame(kind: frame.kind, payload: frame.payload, at: frame.offset, sealing: frame.sealing, to: &bytes)
        try whenLocked { state in
            state.failure != nil || state.segmentBytes == frame.offset
        } do: { (state) throws(StorageError) in
            if let failure = state.failure { throw failure }
            guard bytes.count == frame.length else {
                // A cipher whose output is not the length it declares: the frames reserved
                // after this one would overlap it. Nothing is written; the log stops.
                let error = StorageError.inconsistent(file: state.file.path, offset: frame.offset, reason: "a sealed frame of an unexpected length")
                state.failure = error
                throw error
            }
            try Self.write(bytes, to: &state, preallocation: preallocation)
        }
        return Position(offset: frame.end)
    }

    /// Writes `bytes` at the end of what the segment has written. A failure cuts them off
    /// and fails the log: the caller has already changed what the record describes.
    private static func write(_ bytes: [UInt8], to state: inout State, preallocation: Int) throws(StorageError) {
        do throws(StorageError) {
            if state.segmentBytes == state.reservedBytes { try preallocate(bytes.count, in: &state, preallocation: preallocation) }
            try state.file.write(bytes, at: state.segmentBytes)
        } catch {
            // Cutting a partial record keeps the file valid (recovery would cut it too, as
            // a torn tail); the sealed frames reserved after it are never written.
            try? state.file.truncate(to: state.segmentBytes)
            state.failure = error
            throw error
        }
        state.written += UInt64(bytes.count)
        state.segmentBytes += bytes.count
        state.reservedBytes = max(state.reservedBytes, state.segmentBytes)
    }

    /// Allocates past the reserved end when `length` more bytes would not fit.
    private static func preallocate(_ length: Int, in state: inout State, preallocation: Int) throws(StorageError) {
        guard state.reservedBytes + length > state.allocated else { return }
        let step = max(preallocation, length)
        try state.file.preallocate(from: state.reservedBytes, length: step)
        state.allocated = state.reservedBytes + step
    }

    /// Runs `body` under the lock once no roll is waiting for sealed frames.
    private func whenNotRolling<Result>(_ body: (inout State) throws(StorageError) -> Result) throws(StorageError) -> Result {
        try whenLocked { !$0.isRolling } do: { (state) throws(StorageError) in try body(&state) }
    }

    /// Runs `body` under the lock once `ready` holds there, giving the CPU up between
    /// tries: what it waits for (another writer's seal, microseconds) runs meanwhile.
    private func whenLocked<Result>(
        _ ready: (borrowing State) -> Bool, do body: (inout State) throws(StorageError) -> Result
    ) throws(StorageError) -> Result {
        while true {
            let result: Result? = try state.withLock { (state) throws(StorageError) -> Result? in
                ready(state) ? try body(&state) : nil
            }
            if let result { return result }
            sched_yield()
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
        try whenNotRolling { $0.isRolling = true }
        defer { state.withLock { $0.isRolling = false } }
        try drainSealed { (state) throws(StorageError) in
            try Self.syncLocked(&state)
            try Self.trimPadding(&state)
            state.file = segment.file
            state.segment = segment.number
            state.sealing = segment.sealing
            state.segmentBytes = segment.length
            state.reservedBytes = segment.length
            state.allocated = segment.length
        }
    }

    /// Runs `body` under the lock once the sealed frames in flight are written (or the
    /// log has failed, which they then never will be).
    private func drainSealed(_ body: (inout State) throws(StorageError) -> Void) throws(StorageError) {
        try whenLocked { state in
            state.failure != nil || state.segmentBytes == state.reservedBytes
        } do: { (state) throws(StorageError) in try body(&state) }
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
        try drainSealed { (state) throws(StorageError) in
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
