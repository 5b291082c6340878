import Glibc

/// The events' history saved at a graceful stop (`events.hist`), so that a subscriber
/// resuming across a restart (`since`, `Last-Event-ID`) gets what it missed rather than a
/// `lagged`. The file holds opaque payloads (the service encodes its boards' histories)
/// after a frame naming where the log ended when it was saved: recovery takes it only
/// while the log still ends exactly there (nothing appended since, nothing lost), then
/// removes it. A file that is damaged, stale or under a key not given costs the history
/// alone: a warning, never a refused start. Layout: Schemas/storage-format.md.
extension DurableStore {
    static let eventHistoryMagic = Array("PODIUM-E".utf8)
    /// Frame kinds of the history file.
    private enum HistoryFrame {
        /// The log's end when saved: segment number, then its length in bytes (varints).
        static let logEnd: UInt8 = 1
        /// One payload of the service's.
        static let payload: UInt8 = 2
    }

    /// Flushes and fsyncs the log, then saves `eventHistory` (the service's payloads)
    /// beside it for the next start, durably, then releases the directory lock. Nothing
    /// is saved when the log cannot be closed cleanly. O(log tail + history).
    public func close(savingEventHistory eventHistory: [[UInt8]]) throws {
        defer { directory.releaseLock() }
        try log.close()
        guard !eventHistory.isEmpty else { return }
        let end = log.activeSegment
        let path = directory.eventHistoryPath
        let sealing = try FileSealing.forNewFile(keyring, file: path)
        var bytes = FileSealing.prologue(magic: Self.eventHistoryMagic, sealing: sealing)
        var position = ByteWriter()
        position.writeVarint(end.number)
        position.writeVarint(UInt64(end.bytes))
        FileSealing.appendFrame(kind: HistoryFrame.logEnd, payload: position.bytes, at: bytes.count, sealing: sealing, to: &bytes)
        for payload in eventHistory {
            FileSealing.appendFrame(kind: HistoryFrame.payload, payload: payload, at: bytes.count, sealing: sealing, to: &bytes)
        }
        try directory.writeAtomically(bytes, to: path)
    }

    /// The payloads saved by the last graceful stop, once: `[]` after the first call, or
    /// when none were taken at recovery.
    public func takeSavedEventHistory() -> [[UInt8]] {
        savedEventHistory.withLock { saved in
            defer { saved = [] }
            return saved
        }
    }

    /// Reads and removes the history file, if there is one, and returns its payloads when
    /// it was saved where the recovered log ends (`segment`, `length`); otherwise `[]`,
    /// with a warning in `report` for a file that was there but could not be used.
    static func takeEventHistory(
        in directory: DataDirectory, keyring: any Keyring, logEnd: (segment: UInt64, length: Int), report: inout RecoveryReport
    ) -> [[UInt8]] {
        let path = directory.eventHistoryPath
        guard directory.fileSystem.exists(path) else { return [] }
        defer { try? directory.fileSystem.remove(path) }
        var savedEnd: (segment: UInt64, length: UInt64)?
        var payloads: [[UInt8]] = []
        do {
            let bytes = try directory.fileSystem.open(path, flags: O_RDONLY).readAll()
            let (outcome, _) = try FrameScanner.scanFile(bytes, magic: eventHistoryMagic, file: path, keyring: keyring) {
                (kind, payload, offset) throws(StorageError) in
                switch kind {
                case HistoryFrame.logEnd:
                    var reader = ByteReader(payload)
                    do throws(FormatError) {
                        savedEnd = (try reader.readVarint(), try reader.readVarint())
                    } catch {
                        throw .corrupt(file: path, offset: offset, reason: error.reason)
                    }
                case HistoryFrame.payload:
                    payloads.append(Array(payload))
                default:
                    throw .corrupt(file: path, offset: offset, reason: "a frame of kind \(kind) in an events history")
                }
            }
            guard outcome.tornBytes == 0 else { throw StorageError.corrupt(file: path, offset: outcome.validLength, reason: "cut short") }
        } catch {
            report.warnings.append("\(path) is not used (\(error)): streams resumed from before the stop get `lagged`")
            return []
        }
        guard let savedEnd, savedEnd.segment == logEnd.segment, savedEnd.length == UInt64(logEnd.length) else {
            report.warnings.append(
                "\(path) does not match the log (written since, or lost): streams resumed from before the stop get `lagged`")
            return []
        }
        return payloads
    }
}
