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

/// `podium-bench fanout`: the event stream of an already running podiumd under load.
/// Connects S WebSocket subscribers over TLS (a share `top=100`, the rest `members=` of 10
/// "hot" members m0..m{H-1} each), measures the server's resident memory per idle
/// subscriber, then submits R scores a second for T seconds over HTTPS and measures, for
/// every `score_changed` a subscriber receives, the time from the submit's send to its
/// receipt. `ops/bench/fanout.sh` starts and seeds the server and runs this.
struct FanoutBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "Event stream fan-out against a running podiumd: delivery latency, memory per subscriber, CPU per message."
    )

    @Option(help: "podiumd's base URL.") var url = "https://127.0.0.1:8443"
    @Option(help: "An admin (or board) key.") var key: String
    @Option(help: "The CA that signed podiumd's certificate (DATA_DIR/tls/ca.pem).") var cacert: String
    @Option(help: "The board, seeded with m0..m{members-1}.") var board = "bench"
    @Option(help: "Members on the board.") var members = 1_000_000
    @Option(help: "WebSocket subscribers.") var subscribers = 10_000
    @Option(help: "Score updates a second.") var rate = 1000
    @Option(help: "Seconds of updates.") var seconds = 30
    @Option(help: "podiumd's pid, for its CPU time and resident memory (/proc).") var serverPid: Int32?
    @Option(help: "Share of subscribers with top=100; the rest watch 10 hot members each.") var topShare = 0.5
    @Option(help: "Hot members (m0..m{hot-1}) that members= subscribers watch.") var hot = 1000
    @Option(help: "Share of updates at the top: with climb moves, one of 100 members set at the top before the run (m{hot}..m{hot+99}) climbs; with jump, any member jumps above all.")
    var topUpdates = 0.01
    @Option(help: "How the other updates move a member: climb (up 1 to --climb-step, past a few members, as scores move in a game; needs the board seeded with http_seed.py --spread) or jump (to a random score anywhere).")
    var moves: Moves = .climb
    @Option(help: "Largest climb: with a board of N members seeded --spread, a climb of s passes about s x N / 1,000,000 members.") var climbStep = 100
    @Option(help: "Share of updates to a hot member.") var hotUpdates = 0.2
    @Option(help: "WebSocket connections opened at a time.") var connectConcurrency = 100
    @Option(help: "Submits in flight at most.") var inFlight = 32
    @Option(help: "Longest wait, in seconds, for the last messages after the updates end.") var drain = 20.0
    @Option(help: "Seed of the random workload.") var seed: UInt64 = 1
    @Option(help: "Only connect the subscribers, print 'holding N subscribers' and keep them this many seconds, sending no update (ops/bench/http.sh --subscribers).")
    var hold: Int?
    @Option(help: "What members= subscribers watch: PREFIX0..PREFIX{hot-1} (m: the hot members; another prefix names members the board does not hold).")
    var watchPrefix = "m"
    @Flag(help: "One JSON object instead of a table.") var json = false

    static let watchedPerSubscriber = 10
    static let topN = 100

    enum Moves: String, ExpressibleByArgument, CaseIterable, Sendable {
        case climb, jump
    }

    /// Makes the seeded scores a permutation of 0..<members (when `members` shares no factor
    /// with it, as no power of ten does) in which any run m0, m1, ... is spread evenly over
    /// the board, like multiples of the golden ratio. ops/bench/http_seed.py's SPREAD_FACTOR.
    static let spreadFactor = 618_033

    /// m`k`'s seeded score on a board seeded with `http_seed.py --spread`.
    static func spreadScore(_ k: Int, members: Int) -> Int {
        (k * spreadFactor) % members
    }

    func validate() throws {
        guard members >= 1, hot >= Self.watchedPerSubscriber, hot + Self.topN <= members else {
            throw ValidationError("need --members >= --hot + \(Self.topN), --hot >= \(Self.watchedPerSubscriber)")
        }
        guard subscribers >= 0, rate >= 1, seconds >= 1, connectConcurrency >= 1, inFlight >= 1 else {
            throw ValidationError("--subscribers >= 0, --rate, --seconds, --connect-concurrency, --in-flight >= 1")
        }
        // The fraction of a score (6 decimals, from .000001) numbers the update.
        guard rate * seconds < 999_999 else { throw ValidationError("--rate x --seconds must stay below 999,999") }
        guard climbStep >= 1 else { throw ValidationError("--climb-step must be at least 1") }
        guard (0...1).contains(topShare), topUpdates >= 0, hotUpdates >= 0, topUpdates + hotUpdates <= 1 else {
            throw ValidationError("shares must be in 0...1")
        }
        guard hold.map({ $0 >= 1 }) ?? true, !watchPrefix.isEmpty, watchPrefix.allSatisfy({ $0.isLetter }) else {
            throw ValidationError("--hold must be at least 1 second, --watch-prefix letters")
        }
        guard URL(string: url)?.host != nil else { throw ValidationError("--url must be https://HOST:PORT") }
    }

    func run() async throws {
        let fdLimit = raiseOpenFileLimit()
        var logger = Logger(label: "podium-bench.fanout")
        logger.logLevel = .critical
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let caCertificates = try NIOSSLCertificate.fromPEMFile(cacert)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(caCertificates)
        // The certificate podiumd makes names localhost and 127.0.0.1; SNI cannot be an IP.
        let webSocketConfiguration = WebSocketClientConfiguration(sniHostname: "localhost")
        let wsBase = base.replacingOccurrences(of: "https://", with: "wss://").replacingOccurrences(of: "http://", with: "ws://")
        let encodedKey = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? key

        var httpConfiguration = HTTPClient.Configuration(tlsConfiguration: tls)
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: inFlight)
        httpConfiguration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        let http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: httpConfiguration)
        let api = API(client: http, base: base, key: key, board: board)

        do {
            let report = try await measure(
                api: api, logger: logger, tls: tls, webSocketConfiguration: webSocketConfiguration,
                wsBase: wsBase, encodedKey: encodedKey, fdLimit: fdLimit)
            print(json ? report.json : report.table)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    // MARK: - The run

    private func measure(
        api: API, logger: Logger, tls: TLSConfiguration, webSocketConfiguration: WebSocketClientConfiguration,
        wsBase: String, encodedKey: String, fdLimit: Int
    ) async throws -> FanoutReport {
        var report = FanoutReport(options: self)
        report.fdLimit = fdLimit
        let process = serverPid.map(ServerProcessStats.init(pid:))
        let board = self.board
        let rate = self.rate, members = self.members, hot = self.hot, seed = self.seed
        let topUpdates = self.topUpdates, hotUpdates = self.hotUpdates
        let current = moves == .climb ? CurrentScores(members: members) : nil
        let climbStep = self.climbStep
        let initialStats = try await api.stats()
        report.startPublished = initialStats.published
        report.startDropped = initialStats.dropped

        // --- the top: climbing players start among the best -------------------------------
        if current != nil, hold == nil {
            for contender in hot..<(hot + Self.topN) {
                let score = members + (contender - hot) * climbStep
                guard case .changed = await api.submit(member: "m\(contender)", score: Double(score)) else {
                    throw ValidationError("could not put m\(contender) at the top")
                }
                current?.set(contender, to: score)
            }
        }

        // --- subscribers -------------------------------------------------------------------
        let plan = subscriberPlan()
        let progress = Progress(quiet: json)
        try? await Task.sleep(for: .milliseconds(500))
        report.rssBefore = process?.residentBytes()
        let subs = plan.map { Subscriber(index: $0.index, watched: $0.watched) }
        progress.say("connecting \(subs.count) WebSocket subscribers, \(connectConcurrency) at a time")
        let connectStart = monotonicNanoseconds()
        let connectLatency = ShardedHistogram(shards: 1)
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for subscriber in subs {
                if running >= connectConcurrency {
                    await group.next()
                    running -= 1
                }
                running += 1
                let query = subscriber.watched.isEmpty
                    ? "top=\(Self.topN)" : "members=" + subscriber.watched.map { "\(watchPrefix)\($0)" }.joined(separator: ",")
                let url = "\(wsBase)/v1/boards/\(board)/events?\(query)&access_token=\(encodedKey)"
                group.addTask {
                    let started = monotonicNanoseconds()
                    subscriber.start(url: url, configuration: webSocketConfiguration, tls: tls, logger: logger)
                    let timer = Task {
                        try await Task.sleep(for: .seconds(30))
                        subscriber.connected.complete(false)
                    }
                    if await subscriber.connected.wait() {
                        let micros = (monotonicNanoseconds() - started) / 1000
                        connectLatency.record(shard: 0, micros)
                    }
                    timer.cancel()
                }
            }
            await group.waitForAll()
        }
        report.connectSeconds = Double(monotonicNanoseconds() - connectStart) / 1e9
        let connectHistogram = connectLatency.merged()
        report.connectP50Ms = Double(connectHistogram.valueAtPercentile(50)) / 1000
        report.connectP99Ms = Double(connectHistogram.valueAtPercentile(99)) / 1000
        let connected = subs.filter { $0.connected.value == true }
        report.connected = connected.count
        report.connectFailures = subs.count - connected.count
        report.firstConnectError = subs.lazy.filter { $0.connected.value != true }.compactMap { $0.failure.withLock { $0 } }.first
        progress.say("\(connected.count) connected in \(fixed(report.connectSeconds)) s (\(report.connectFailures) failed)")

        // The server registers a subscription right after the upgrade: wait until it counts them all.
        let registerDeadline = monotonicNanoseconds() + 30_000_000_000
        var registered = try await api.stats().subscribers[board] ?? 0
        while registered < connected.count, monotonicNanoseconds() < registerDeadline {
            try await Task.sleep(for: .milliseconds(200))
            registered = try await api.stats().subscribers[board] ?? 0
        }
        report.registered = registered
        try await Task.sleep(for: .seconds(2))
        report.rssAfter = process?.residentBytes()
        if let hold {
            FileHandle.standardOutput.write(Data("holding \(connected.count) subscribers\n".utf8))
            try await Task.sleep(for: .seconds(hold))
            return report
        }

        // Who watches what, among the subscribers connected, for the deliveries to expect.
        let topSubscribers = connected.filter { $0.watched.isEmpty }.count
        var watchers = [Int](repeating: 0, count: hot)
        for subscriber in connected { for member in subscriber.watched { watchers[member] += 1 } }
        report.topSubscribers = topSubscribers

        // --- updates ---------------------------------------------------------------------
        let total = rate * seconds
        let updates = UpdateTable(count: total)
        for subscriber in subs { subscriber.updates = updates }
        let recorder = ShardedHistogram(shards: 16)
        for subscriber in subs { subscriber.recorder = recorder }

        let before = Totals(subs)
        let cpuStart = process?.cpuSeconds()
        let clientCPUStart = ownCPUSeconds()
        progress.say("submitting \(rate)/s for \(seconds) s")
        let driveStart = monotonicNanoseconds() + 20_000_000
        // No update is sent after the window: a server that falls behind gets fewer, and
        // the run still ends on time (in-flight submits have their own timeout).
        let driveDeadline = driveStart + UInt64(seconds) * 1_000_000_000
        let next = SharedCounter()
        let watchedBy = watchers
        struct WorkerResult: Sendable {
            var latencies = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
            var sent = 0, errors = 0, unchanged = 0, expected = 0, skipped = 0
            var firstError: String?
        }
        let results = await withTaskGroup(of: WorkerResult.self) { group in
            for worker in 0..<inFlight {
                group.addTask {
                    var result = WorkerResult()
                    var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(worker))
                    while true {
                        let index = next.value.add(1, ordering: .relaxed).oldValue
                        guard index < total else { break }
                        let due = driveStart + UInt64(index) * 1_000_000_000 / UInt64(rate)
                        let now = monotonicNanoseconds()
                        if due > now { try? await Task.sleep(nanoseconds: due - now) }
                        guard monotonicNanoseconds() < driveDeadline else {
                            result.skipped += 1
                            continue
                        }

                        // The score numbers the update: (member, score) names one update.
                        let draw = Double(random.next() >> 11) / Double(1 << 53)
                        let member: Int, score: Double
                        if draw < topUpdates, let current {
                            member = hot + Int(random.next() % UInt64(Self.topN))
                            score = UpdateTable.score(ofUpdate: index, base: current.climb(member, by: 1 + Int(random.next() % UInt64(climbStep))))
                        } else if draw < topUpdates {
                            member = Int(random.next() % UInt64(members))
                            score = UpdateTable.score(ofUpdate: index, base: nil)
                        } else {
                            member = Int(random.next() % UInt64(draw < topUpdates + hotUpdates ? hot : members))
                            let base = current?.climb(member, by: 1 + Int(random.next() % UInt64(climbStep)))
                                ?? Int(random.next() % UInt64(members))
                            score = UpdateTable.score(ofUpdate: index, base: base)
                        }
                        updates.set(index, member: member, score: score)
                        let start = monotonicNanoseconds()
                        updates.sent(index, at: start)
                        let outcome = await api.submit(member: "m\(member)", score: score)
                        _ = result.latencies.record((monotonicNanoseconds() - start) / 1000)
                        result.sent += 1
                        switch outcome {
                        case let .changed(bestRank):
                            // What the server sends: top=100 subscribers see a change touching
                            // ranks 1...100; members= ones the changes of their members.
                            let top = bestRank.map { $0 <= Self.topN } ?? false
                            result.expected += (top ? topSubscribers : 0) + (member < hot ? watchedBy[member] : 0)
                        case .unchanged: result.unchanged += 1
                        case let .failed(message):
                            result.errors += 1
                            if result.firstError == nil { result.firstError = message }
                        }
                    }
                    return result
                }
            }
            var all: [WorkerResult] = []
            for await result in group { all.append(result) }
            return all
        }
        let driveEnd = monotonicNanoseconds()
        let cpuDriveEnd = process?.cpuSeconds()
        let atDriveEnd = Totals(subs)
        let driveSeconds = Double(driveEnd - driveStart) / 1e9

        // --- drain: until nothing has arrived for a second, or --drain seconds -----------
        progress.say("draining")
        let drainDeadline = driveEnd + UInt64(drain * 1e9)
        var last = Totals(subs)
        var quietSince = monotonicNanoseconds()
        while monotonicNanoseconds() < drainDeadline {
            try await Task.sleep(for: .milliseconds(200))
            let now = Totals(subs)
            if now.received != last.received {
                quietSince = monotonicNanoseconds()
                last = now
            } else if monotonicNanoseconds() - quietSince >= 1_000_000_000 {
                break
            }
        }
        let drainEnd = monotonicNanoseconds()
        let cpuDrainEnd = process?.cpuSeconds()
        let clientCPUEnd = ownCPUSeconds()
        let after = Totals(subs)
        let finalStats = try await api.stats()

        var submitLatencies = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        for result in results {
            submitLatencies.add(result.latencies)
            report.sent += result.sent
            report.submitErrors += result.errors
            report.unchanged += result.unchanged
            report.skipped += result.skipped
            report.expectedScoreChanged += result.expected
            report.firstSubmitError = report.firstSubmitError ?? result.firstError
        }
        report.driveSeconds = driveSeconds
        report.drainSeconds = Double(drainEnd - driveEnd) / 1e9
        report.submitP50Ms = Double(submitLatencies.valueAtPercentile(50)) / 1000
        report.submitP99Ms = Double(submitLatencies.valueAtPercentile(99)) / 1000
        report.receivedDrive = atDriveEnd.received - before.received
        report.received = after.received - before.received
        report.scoreChanged = after.scoreChanged - before.scoreChanged
        report.matched = after.matched - before.matched
        report.overtaken = after.overtaken - before.overtaken
        report.lagged = after.lagged - before.lagged
        report.laggedEvents = after.laggedEvents - before.laggedEvents
        report.otherMessages = after.other - before.other
        let delivery = recorder.merged()
        report.deliveryP50Ms = Double(delivery.valueAtPercentile(50)) / 1000
        report.deliveryP90Ms = Double(delivery.valueAtPercentile(90)) / 1000
        report.deliveryP99Ms = Double(delivery.valueAtPercentile(99)) / 1000
        report.deliveryMaxMs = Double(delivery.max) / 1000
        if let cpuStart, let cpuDriveEnd, let cpuDrainEnd {
            report.serverCPUDrive = cpuDriveEnd - cpuStart
            report.serverCPUDriveAndDrain = cpuDrainEnd - cpuStart
        }
        report.clientCPU = clientCPUEnd - clientCPUStart
        report.published = finalStats.published - initialStats.published
        report.dropped = finalStats.dropped - initialStats.dropped
        report.serverCloses = finalStats.closes
        report.closedByServer = subs.filter { $0.closedEarly.load(ordering: .relaxed) }.count
        var reasons: [String: Int] = [:]
        for subscriber in subs { if let failure = subscriber.failure.withLock({ $0 }) { reasons[failure, default: 0] += 1 } }
        report.endReasons = reasons
        report.rssEnd = process?.residentBytes()

        // --- close every socket ----------------------------------------------------------
        progress.say("closing \(connected.count) subscribers")
        let closeStart = monotonicNanoseconds()
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for subscriber in subs {
                if running >= 200 {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask { await subscriber.stop() }
            }
            await group.waitForAll()
        }
        // Every subscriber's task ends within the close timeout; cancel what has not.
        let closeDeadline = monotonicNanoseconds() + 20_000_000_000
        while subs.contains(where: { !$0.finished.load(ordering: .acquiring) }), monotonicNanoseconds() < closeDeadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        report.unclosed = subs.filter { !$0.finished.load(ordering: .acquiring) }.count
        for subscriber in subs { subscriber.task.withLock { $0?.cancel() } }
        report.closeSeconds = Double(monotonicNanoseconds() - closeStart) / 1e9
        var left = try await api.stats().subscribers[board] ?? 0
        let leftDeadline = monotonicNanoseconds() + 10_000_000_000
        while left > 0, monotonicNanoseconds() < leftDeadline {
            try await Task.sleep(for: .milliseconds(200))
            left = try await api.stats().subscribers[board] ?? 0
        }
        report.subscribersLeft = left
        return report
    }

    /// Subscribers in order: `top=100` ones spread evenly among `members=` ones. Each
    /// `members=` subscriber watches 10 distinct hot members; every hot member is watched
    /// by the same number of subscribers (give or take one).
    func subscriberPlan() -> [(index: Int, watched: [Int])] {
        let topCount = Int((Double(subscribers) * topShare).rounded())
        var random = SplitMix64(seed: seed &+ 17)
        var pool: [Int] = []
        var plan: [(index: Int, watched: [Int])] = []
        for index in 0..<subscribers {
            let isTop = (index * topCount) / max(subscribers, 1) != ((index + 1) * topCount) / max(subscribers, 1)
            if isTop {
                plan.append((index, []))
                continue
            }
            var watched: [Int] = []
            while watched.count < Self.watchedPerSubscriber {
                if pool.isEmpty { pool = Array(0..<hot).shuffled(using: &random) }
                let member = pool.removeLast()
                if !watched.contains(member) { watched.append(member) } else { pool.insert(member, at: 0) }
            }
            plan.append((index, watched))
        }
        return plan
    }
}
