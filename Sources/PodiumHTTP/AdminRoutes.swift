import Hummingbird
import PodiumService

/// `/v1/admin`: persistence control and counts for operators.
struct AdminRoutes {
    let podium: Podium

    func register(on group: some RouterMethods<PodiumRequestContext>) {
        // A snapshot rewrites the state and retires the log before it, so compaction is a
        // snapshot too; both answer when the new files are durable.
        for action in ["snapshot", "compact"] {
            group.post("admin/\(action)") { _, _ in
                let summary = try await podium.snapshot()
                return try Response.json(SnapshotBody(file: summary.file, bytes: summary.bytes))
            }
        }
        group.get("admin/stats") { _, _ in
            try Response.json(StatsBody(try podium.statistics(), residentBytes: residentMemoryBytes()))
        }
    }
}

struct SnapshotBody: Codable, Equatable {
    var file: String
    var bytes: Int
}

struct StatsBody: Codable, Equatable {
    var boards: Int
    var members: Int
    var keys: Int
    var sessions: Int
    var residentBytes: Int
    var fsync: String
    var aofWrittenBytes: UInt64
    var aofFsyncs: Int
    var aofFsyncSeconds: Double
    var events: EventsBody

    /// The event bus's counts: live subscribers per board, events published, messages
    /// dropped from full queues (sent as `lagged`), streams closed by reason.
    struct EventsBody: Codable, Equatable {
        var subscribers: [String: Int]
        var published: UInt64
        var dropped: UInt64
        var closes: [String: UInt64]
    }

    enum CodingKeys: String, CodingKey {
        case boards, members, keys, sessions, fsync, events
        case residentBytes = "resident_bytes"
        case aofWrittenBytes = "aof_written_bytes"
        case aofFsyncs = "aof_fsyncs"
        case aofFsyncSeconds = "aof_fsync_seconds"
    }

    init(_ statistics: ServiceStatistics, residentBytes: Int) {
        boards = statistics.boards
        members = statistics.members
        keys = statistics.keys
        sessions = statistics.sessions
        self.residentBytes = residentBytes
        fsync = statistics.fsyncPolicy.rawValue
        aofWrittenBytes = statistics.logBytesWritten
        aofFsyncs = statistics.logSyncs
        aofFsyncSeconds = Double(statistics.logSyncNanoseconds) / 1e9
        let events = statistics.events
        self.events = EventsBody(subscribers: events.subscribers, published: events.published, dropped: events.dropped, closes: events.closes)
    }
}
