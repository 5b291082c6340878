import ArgumentParser
import AsyncHTTPClient
import Foundation
import Histogram
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PodiumEngine
import Synchronization

// MARK: - Subscribers

/// One WebSocket subscriber: its connection task and its counts (atomics it alone writes,
/// read by the report).
final class Subscriber: Sendable {
    let index: Int
    /// Hot member numbers for `members=`; empty for `top=100`.
    let watched: [Int]
    let connected = OneShot()
    let received = Atomic<Int>(0)
    let scoreChanged = Atomic<Int>(0)
    let matched = Atomic<Int>(0)
    let overtaken = Atomic<Int>(0)
    let lagged = Atomic<Int>(0)
    let laggedEvents = Atomic<Int>(0)
    let other = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let finished = Atomic<Bool>(false)
    /// The connection ended before the benchmark closed it (the server closed it).
    let closedEarly = Atomic<Bool>(false)
    let failure = Mutex<String?>(nil)
    let outbound = Mutex<WebSocketOutboundWriter?>(nil)
    let task = Mutex<Task<Void, Never>?>(nil)
    private let state = Mutex<(updates: UpdateTable?, recorder: ShardedHistogram?)>((nil, nil))

    var updates: UpdateTable? {
        get { state.withLock { $0.updates } }
        set { state.withLock { $0.updates = newValue } }
    }
    var recorder: ShardedHistogram? {
        get { state.withLock { $0.recorder } }
        set { state.withLock { $0.recorder = newValue } }
    }

    init(index: Int, watched: [Int]) {
        self.index = index
        self.watched = watched
    }

    func start(url: String, configuration: WebSocketClientConfiguration, tls: TLSConfiguration, logger: Logger) {
        let task = Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: url, configuration: configuration, tlsConfiguration: tls, logger: logger
                ) { inbound, outbound, _ in
                    self.outbound.withLock { $0 = outbound }
                    // Connected too late (the benchmark gave up on it): leave at once.
                    guard self.connected.complete(true) else { return }
                    try await self.read(inbound)
                }
                if !self.stopping.load(ordering: .relaxed) {
                    let reason = close.map { "closed by the server: \($0.closeCode) \($0.reason ?? "")" }
                        ?? "connection ended without a close frame"
                    self.failure.withLock { $0 = $0 ?? reason }
                }
            } catch {
                self.failure.withLock { $0 = $0 ?? "\(error)" }
            }
            if !self.stopping.load(ordering: .relaxed), self.connected.value == true {
                self.closedEarly.store(true, ordering: .relaxed)
            }
            self.connected.complete(false)
            self.finished.store(true, ordering: .releasing)
        }
        self.task.withLock { $0 = task }
    }

    private func read(_ inbound: WebSocketInboundStream) async throws {
        // The recorder and table are set before any update is sent; look them up once there is one.
        var updates: UpdateTable?
        var recorder: ShardedHistogram?
        var pending: ByteBuffer?
        for try await frame in inbound {
            let receivedAt = monotonicNanoseconds()
            var data = frame.data
            if !frame.fin || pending != nil {
                if pending == nil { pending = ByteBuffer() }
                pending!.writeBuffer(&data)
                guard frame.fin else { continue }
                data = pending!
                pending = nil
            }
            guard frame.opcode == .text || frame.opcode == .continuation else { continue }
            received.add(1, ordering: .relaxed)
            let message = data.withUnsafeReadableBytes { EventScan.scan($0) }
            switch message {
            case let .scoreChanged(member, score):
                scoreChanged.add(1, ordering: .relaxed)
                if updates == nil { updates = self.updates; recorder = self.recorder }
                guard let updates, let recorder, let sentAt = updates.sendTime(member: member, score: score) else { continue }
                matched.add(1, ordering: .relaxed)
                recorder.record(shard: index, receivedAt > sentAt ? (receivedAt - sentAt) / 1000 : 0)
            case .overtaken: overtaken.add(1, ordering: .relaxed)
            case let .lagged(from, to):
                lagged.add(1, ordering: .relaxed)
                laggedEvents.add(max(0, to - from + 1), ordering: .relaxed)
            case .other: other.add(1, ordering: .relaxed)
            }
        }
    }

    /// Sends a close frame (the server answers with its own and the connection ends).
    func stop() async {
        stopping.store(true, ordering: .relaxed)
        guard !finished.load(ordering: .acquiring), let outbound = outbound.withLock({ $0 }) else { return }
        _ = await withTimeout(.seconds(10)) { try? await outbound.close(.normalClosure, reason: nil) }
    }
}

/// A value set once, awaited by anyone.
final class OneShot: Sendable {
    private let state = Mutex<(value: Bool?, waiters: [CheckedContinuation<Bool, Never>])>((nil, []))

    var value: Bool? { state.withLock { $0.value } }

    /// Sets the value unless it is set; returns the value it has now.
    @discardableResult
    func complete(_ value: Bool) -> Bool {
        let (result, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<Bool, Never>]) in
            if let existing = state.value { return (existing, []) }
            state.value = value
            defer { state.waiters = [] }
            return (value, state.waiters)
        }
        for waiter in waiters { waiter.resume(returning: result) }
        return result
    }

    func wait() async -> Bool {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool? in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// `body`'s result, or `nil` when it takes longer than `timeout` (it is then cancelled).
func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// A stream message, read with a byte scan of the few fields the benchmark needs. The
/// server writes keys sorted (at, board, member, previous_rank, previous_score, rank,
/// score, seq, type), `type` last.
enum EventScan: Equatable {
    case scoreChanged(member: Int, score: Double)
    case overtaken
    case lagged(from: Int, to: Int)
    case other

    static func scan(_ bytes: UnsafeRawBufferPointer) -> EventScan {
        guard let type = value(after: #""type":""#, in: bytes) else { return .other }
        if hasPrefix(type, "score_changed\"") {
            guard let member = value(after: #""member":"m"#, in: bytes), let number = integer(member),
                let scoreText = value(after: #","score":"#, in: bytes), let score = double(scoreText)
            else { return .other }
            return .scoreChanged(member: number, score: score)
        }
        if hasPrefix(type, "overtaken\"") { return .overtaken }
        if hasPrefix(type, "lagged\"") {
            guard let from = value(after: #""from":"#, in: bytes).flatMap(integer),
                let to = value(after: #""to":"#, in: bytes).flatMap(integer)
            else { return .other }
            return .lagged(from: from, to: to)
        }
        return .other
    }

    /// The bytes after the first `pattern`, to the end.
    private static func value(after pattern: StaticString, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let length = pattern.utf8CodeUnitCount
        guard let base = bytes.baseAddress, bytes.count >= length else { return nil }
        let first = pattern.utf8Start.pointee
        var offset = 0
        while offset <= bytes.count - length {
            if bytes[offset] == first, memcmp(base + offset, pattern.utf8Start, length) == 0 {
                return UnsafeRawBufferPointer(rebasing: bytes[(offset + length)...])
            }
            offset += 1
        }
        return nil
    }

    private static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        bytes.count >= prefix.utf8CodeUnitCount && memcmp(bytes.baseAddress!, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0
    }

    /// The decimal digits at the start.
    private static func integer(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var value = 0, digits = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { break }
            value = value * 10 + Int(byte - 0x30)
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// The JSON number at the start (up to `,` or `}`), with strtod.
    private static func double(_ bytes: UnsafeRawBufferPointer) -> Double? {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))  // 40 bytes
        return withUnsafeMutableBytes(of: &buffer) { text -> Double? in
            var length = 0
            for byte in bytes {
                guard byte != UInt8(ascii: ","), byte != UInt8(ascii: "}"), length < text.count - 1 else { break }
                text[length] = byte
                length += 1
            }
            guard length > 0 else { return nil }
            text[length] = 0
            let start = text.baseAddress!.assumingMemoryBound(to: CChar.self)
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(start, &end)
            return end == start + length ? value : nil
        }
    }
}
