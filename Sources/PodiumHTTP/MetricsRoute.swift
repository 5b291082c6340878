import Hummingbird
import PodiumService
import Prometheus

/// `GET /metrics`: Prometheus text. Request counts and latencies per route come from
/// Hummingbird's `MetricsMiddleware` through swift-metrics (bootstrapped by podiumd onto
/// `prometheus`); board sizes and the log's counters are read at each scrape.
struct MetricsRoute {
    let backend: PodiumBackend
    let prometheus: PrometheusCollectorRegistry
    let hotRoutes: HotRoutes?

    func register(on group: some RouterMethods<PodiumRequestContext>) {
        group.get("metrics") { _, _ in
            for board in (try? await backend.boards.listBoards()) ?? [] {
                gauge("board_members", unit: "", "members on the board", labels: [("board", board.name)]).set(Int64(board.size))
            }
            if let podium = backend.embeddedPodium {
                let log = podium.logStatistics
                gauge("aof_written", unit: "bytes", "bytes appended to the log since start").set(Int64(log.bytesWritten))
                gauge("aof_fsyncs", unit: "", "fsyncs of the log since start").set(Int64(log.syncs))
                gauge("aof_fsync", unit: "seconds", "time spent in log fsyncs since start").set(Double(log.syncNanoseconds) / 1e9)
                gauge("memory_limit", unit: "bytes", "--max-memory (0: none)").set(Int64(podium.memory.bytes ?? 0))
                gauge("memory_limit_reached", unit: "", "1 while new members and sessions are refused").set(Int64(podium.memory.isReached ? 1 : 0))
            }
            if let hotRoutes {
                gauge("http_hot_route_answers", unit: "", "requests answered before the router (score submits and batches, member entries, board tops) since start")
                    .set(Int64(hotRoutes.answered.value.load(ordering: .relaxed)))
            }
            gauge("ready", unit: "", "1 while the server serves requests").set(Int64(await backend.isReady() ? 1 : 0))
            gauge("resident", unit: "bytes", "resident memory of the process").set(Int64(residentMemoryBytes()))
            let events = backend.events.statistics()
            for (board, count) in events.subscribers {
                gauge("event_subscribers", unit: "", "live event stream subscriptions", labels: [("board", board)]).set(Int64(count))
            }
            gauge("events_published", unit: "", "events published since start").set(Int64(clamping: events.published))
            gauge("events_dropped", unit: "", "messages dropped from full subscriber queues (sent as lagged)").set(Int64(clamping: events.dropped))
            for (reason, count) in events.closes {
                gauge("event_stream_closes", unit: "", "event streams closed since start, by reason", labels: [("reason", reason)])
                    .set(Int64(clamping: count))
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: prometheus.emitToBuffer())))
        }
    }

    private func gauge(_ name: String, unit: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        prometheus.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "podium", metricName: name, unitName: unit, helpText: help), labels: labels)
    }
}
