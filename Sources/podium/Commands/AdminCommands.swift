import ArgumentParser
import PodiumAPI
import PodiumClient

/// `podium snapshot`, `podium compact` and `podium stats`: persistence control and counts.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Take a snapshot now and retire the log before it.", discussion: "  podium snapshot")
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await writeSnapshot(.snapshot(), server: server, output: output, done: "snapshot written")
    }
}

struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact", abstract: "Rewrite the log from live state (as a snapshot).", discussion: "  podium compact")
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await writeSnapshot(.compact(), server: server, output: output, done: "log compacted")
    }
}

/// Sends `request` (a snapshot, however named) and says which file it wrote.
private func writeSnapshot(
    _ request: PodiumRequest<SnapshotBody>, server: ServerOptions, output: OutputOptions, done: String
) async throws {
    try await server.withClient { client throws(PodiumError) in
        let reply = try await client.send(request)
        guard !output.json else { return Output.json(reply.json) }
        Output.line("\(done): \(reply.value.file) (\(reply.value.bytes) bytes)")
    }
}

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Counts, memory, the log's work and the event streams since start.", discussion: "  podium stats")
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await server.withClient { client throws(PodiumError) in
            let reply = try await client.send(.stats())
            guard !output.json else { return Output.json(reply.json) }
            let stats = reply.value
            func counts<Count>(_ counts: [String: Count]) -> String {
                counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            }
            let lines = Formatting.fields([
                ("boards", String(stats.boards)), ("members", String(stats.members)), ("keys", String(stats.keys)),
                ("sessions", String(stats.sessions)), ("resident_bytes", String(stats.residentBytes)),
                ("memory_limit_bytes", stats.memoryLimitBytes.map(String.init) ?? "none"),
                ("memory_limit_reached", stats.memoryLimitReached ? "yes" : "no"), ("fsync", stats.fsync),
                ("aof_written_bytes", String(stats.aofWrittenBytes)), ("aof_fsyncs", String(stats.aofFsyncs)),
                ("aof_fsync_seconds", String(stats.aofFsyncSeconds)), ("event_subscribers", counts(stats.events.subscribers)),
                ("events_published", String(stats.events.published)), ("events_dropped", String(stats.events.dropped)),
                ("event_stream_closes", counts(stats.events.closes)),
                ("encryption_key_id", stats.encryption.keyID ?? "none (not encrypted)"),
                ("files_under_other_keys", String(stats.encryption.filesUnderOtherKeys)),
            ])
            for line in lines { Output.line(line) }
        }
    }
}
