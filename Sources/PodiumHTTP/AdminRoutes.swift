import Hummingbird
import PodiumAPI
import PodiumService

/// `/v1/admin`: persistence control and counts for operators; embedded store only (on
/// Redis, a clear 409: Redis persists and backs up itself).
struct AdminRoutes {
    let backend: PodiumBackend

    /// Bytes of a backup read and sent at a time.
    static let backupPiece = 1 << 20

    func register(on group: some RouterMethods<PodiumRequestContext>) {
        // A snapshot rewrites the state and retires the log before it, so compaction is a
        // snapshot too; both answer when the new files are durable.
        for action in ["snapshot", "compact"] {
            group.post("admin/\(action)") { _, _ in
                let summary = try await backend.embedded(for: "a \(action)").snapshot()
                return try Response.json(SnapshotBody(file: summary.file, bytes: summary.bytes))
            }
        }
        // A backup is written to a file first (so no write waits on the client's network),
        // then streamed: Content-Length lets `podium backup` show progress and tell a cut
        // download from a whole one.
        group.get("admin/backup") { _, _ in
            let backup = try await backend.embedded(for: "a backup").backup()
            let name = "podium-\(rfc3339(AccessRegistry.systemClock())).backup"
                .replacingOccurrences(of: ":", with: "-")
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/octet-stream", .contentLength: String(backup.size), .cacheControl: "no-store",
                    .contentDisposition: "attachment; filename=\"\(name)\"",
                ],
                body: ResponseBody { writer in
                    var offset = 0
                    while offset < backup.size {
                        let bytes = try backup.read(from: offset, count: Self.backupPiece)
                        // The file is unlinked and only this reads it: it cannot shrink.
                        guard !bytes.isEmpty else { throw ServiceError.snapshotFailed("the backup file ended at \(offset) of \(backup.size) bytes") }
                        try await writer.write(ByteBuffer(bytes: bytes))
                        offset += bytes.count
                    }
                    try await writer.finish(nil)
                })
        }
        group.get("admin/stats") { _, _ in
            try Response.json(StatsBody(try backend.embedded(for: "storage stats").statistics(), residentBytes: residentMemoryBytes()))
        }
    }
}

extension StatsBody {
    init(_ statistics: ServiceStatistics, residentBytes: Int) {
        let events = statistics.events
        self.init(
            boards: statistics.boards, members: statistics.members, keys: statistics.keys, sessions: statistics.sessions,
            residentBytes: residentBytes, memoryLimitBytes: statistics.memoryLimitBytes,
            memoryLimitReached: statistics.memoryLimitReached, fsync: statistics.fsyncPolicy.rawValue, aofWrittenBytes: statistics.logBytesWritten,
            aofFsyncs: statistics.logSyncs, aofFsyncSeconds: Double(statistics.logSyncNanoseconds) / 1e9,
            events: EventsBody(subscribers: events.subscribers, published: events.published, dropped: events.dropped, closes: events.closes),
            encryption: EncryptionBody(keyID: statistics.encryptionKeyID, filesUnderOtherKeys: statistics.filesUnderOtherKeys))
    }
}
