import Hummingbird
import PodiumAPI
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

extension StatsBody {
    init(_ statistics: ServiceStatistics, residentBytes: Int) {
        let events = statistics.events
        self.init(
            boards: statistics.boards, members: statistics.members, keys: statistics.keys, sessions: statistics.sessions,
            residentBytes: residentBytes, fsync: statistics.fsyncPolicy.rawValue, aofWrittenBytes: statistics.logBytesWritten,
            aofFsyncs: statistics.logSyncs, aofFsyncSeconds: Double(statistics.logSyncNanoseconds) / 1e9,
            events: EventsBody(subscribers: events.subscribers, published: events.published, dropped: events.dropped, closes: events.closes))
    }
}
