// podiumd: Podium's server. `swift run -c release podiumd` starts it on embedded defaults.
import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import Metrics
import NIOSSL
import PodiumEncryption
import PodiumHTTP
import PodiumService
import PodiumStorage
import Prometheus
import ServiceLifecycle

@main
struct Podiumd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podiumd",
        abstract: "Podium's leaderboard server: HTTPS on 127.0.0.1:8443 and ./podium-data by default."
    )

    @Option(help: "Where boards, logs, snapshots, the admin key and created certificates live.")
    var dataDir = "./podium-data"
    @Option(help: "Address and port to listen on.") var listen = "127.0.0.1:8443"
    @Option(help: "PEM certificate chain (created under the data dir when not given).") var tlsCert: String?
    @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
    @Option(help: "When log writes reach the disk: always, everysec or no.") var fsync: FsyncPolicy = .everysec
    @Option(
        help: "Encrypt the log, snapshots and backups at rest (AES-256-GCM) with this key file: 32 random bytes, 64 hex digits or a passphrase, mode 600.")
    var encryptionKeyFile: String?
    @Option(help: "A previous key file: files under it are read until the next snapshot rewrites them under the new key (repeatable).")
    var previousKeyFile: [String] = []
    @Flag(help: "Serve plain HTTP (behind a TLS-terminating proxy only).") var insecureHttp = false
    @Option(help: "Largest request body in bytes; larger ones get 413.") var maxBody = 1 << 20
    @Option(help: "Seconds a connection may wait with no request in flight before it is closed (an open event stream is in flight).")
    var idleTimeout = 60
    @Option(help: "Seconds a client has, from a request's first byte, to send its request line and headers before it is closed.")
    var headerTimeout = 10
    @Option(help: "Largest request line and headers in bytes; larger ones get 431.") var maxHeaderBytes = 16 * 1024
    @Option(help: "Connections open at once; past it new ones are accepted and closed at once.") var maxConnections = 16_384
    @Option(help: "Failed authentications a client address may make per minute before it gets 429 (0: no limit).")
    var authFailuresPerMinute = 30
    @Option(help: "A proxy's IP address whose X-Forwarded-For names the client, for that limit (repeatable).")
    var trustedProxy: [String] = []
    @Option(help: "Events kept per board for streams that resume with since= or Last-Event-ID (~300 bytes each).")
    var eventHistory = 10_000
    @Option(help: "Messages an event stream subscriber may have waiting before it is sent 'lagged'.") var eventQueue = 1024
    @Option(help: "Seconds a quiet SSE stream waits before a keepalive comment (also how soon a vanished client is noticed).")
    var eventKeepalive = 15
    @Option(help: "Resident memory (bytes, or with K, M, G: 2G) past which writes that add members or sessions get 507; updates, reads and deletes go on.")
    var maxMemory: String?
    @Flag(help: "Do not serve the web console at /console/ (on by default; it signs in with a key or session token).") var noConsole = false
    @Option(help: "A file of settings (name = value), overridden by flags given here.") var config: String?
    @Option(
        help: "Where boards, keys and sessions live: embedded (this process, the data dir), or to share one data set between podiumd redis://[user:pass@]host:port[/db], rediss://... (TLS), redis+cluster://host:port,host:port,...")
    var store = "embedded"
    @Option(help: "CA certificate (PEM) that signed the rediss:// server's certificate.") var storeCacert: String?
    @Option(help: "On Redis, when a write is acknowledged: master (its answer) or replicas (once a replica holds it too: WAIT 1).")
    var storeAck: StoreAck = .master

    /// Expands `--config FILE` before parsing (ArgumentParser reads flags only).
    static func main() async {
        do {
            var command = try parseAsRoot(try ConfigFile.expand(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    /// `text` as bytes: digits, optionally followed by K, M or G (powers of 1024).
    static func bytes(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "k": 1 << 10, "M": 1 << 20, "m": 1 << 20, "G": 1 << 30, "g": 1 << 30]
        let unit = text.last.flatMap { units[$0] }
        guard let number = Int(unit == nil ? text : String(text.dropLast())), number > 0 else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit ?? 1)
        return overflow ? nil : bytes
    }

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard ListenAddress(listen) != nil else { throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8443") }
        guard maxBody >= 1024 else { throw ValidationError("--max-body must be at least 1024 bytes") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second") }
        guard headerTimeout >= 1 else { throw ValidationError("--header-timeout must be at least 1 second") }
        guard maxHeaderBytes >= 1024 else { throw ValidationError("--max-header-bytes must be at least 1024 bytes") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard eventHistory >= 0 else { throw ValidationError("--event-history must not be negative") }
        guard eventQueue >= 1 else { throw ValidationError("--event-queue must be at least 1") }
        guard eventKeepalive >= 1 else { throw ValidationError("--event-keepalive must be at least 1 second") }
        guard store == "embedded" || ["redis://", "rediss://", "redis+cluster://", "rediss+cluster://"].contains(where: store.hasPrefix) else {
            throw ValidationError("--store must be embedded, redis://host:port, rediss://host:port or redis+cluster://host:port,host:port")
        }
        guard store == "embedded" || (encryptionKeyFile == nil && previousKeyFile.isEmpty) else {
            throw ValidationError("--encryption-key-file and --previous-key-file are for the embedded store (Redis keeps its own data)")
        }
        guard maxMemory.map({ Self.bytes($0) != nil }) ?? true else {
            throw ValidationError("--max-memory must be a number of bytes, with K, M or G if wanted: 512M, 2G")
        }
    }

    func run() async throws {
        var logger = Logger(label: "podiumd")
        logger.logLevel = .info
        guard let address = ListenAddress(listen) else { throw ValidationError("bad --listen") }

        PodiumRequestContext.bodyLimit.store(maxBody, ordering: .relaxed)
        let prometheus = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: prometheus))
        var console: ConsoleFiles?
        if !noConsole {
            console = ConsoleFiles.bundled()
            if console == nil { logger.warning("the console's files are not next to the executable (Podium_PodiumHTTP.resources): /console/ is off") }
        }
        let limits = EmbeddedEventBus.Limits(history: eventHistory, queue: eventQueue)
        let adminKey = try AdminKeyFile.load(dataDir: dataDir, logger: logger)
        var services: [any Service] = []
        let backend: PodiumBackend
        var embedded: Podium?
        var memory = MemoryLimit(bytes: nil)
        if store == "embedded" {
            let keyring: AtRestKeyring
            do {
                keyring = try AtRestKeyring(keyFile: encryptionKeyFile, previousKeyFiles: previousKeyFile)
            } catch {
                throw ValidationError(error.description)
            }
            let (store, boards, report) = try DurableStore.open(path: dataDir, policy: fsync, keyring: keyring)
            for warning in report.warnings { logger.warning("\(warning)") }
            let encryption = store.encryption
            if let keyID = encryption.keyID {
                logger.info("encryption at rest: files are written under key \(keyID)")
            }
            if encryption.filesUnderOtherKeys > 0 {
                logger.notice(
                    "\(encryption.filesUnderOtherKeys) files are plain or under a previous key until the next snapshot (podium snapshot) rewrites them")
            }
            logger.info("recovered \(boards.boards.count) boards (\(report.snapshotEntries) snapshot entries, \(report.records) log records)")
            memory = MemoryLimit(bytes: maxMemory.flatMap(Self.bytes))
            let podium = Podium(
                store: store, recovered: boards, events: EmbeddedEventBus(limits: limits), memory: memory,
                onReadOnly: { [logger] reason in logger.critical("storage failed, serving reads only until a restart: \(reason)") })
            services = [
                CompactionService(podium: podium, logger: logger), SessionSweepService(access: podium.access),
                SeasonScheduler(boards: podium.boards, logger: logger),
            ]
            backend = PodiumBackend(podium)
            embedded = podium
        } else {
            let redis = try RedisStore(
                url: store, caFile: storeCacert, replicas: storeAck == .replicas ? 1 : 0, history: eventHistory, limits: limits)
            await redis.check(logger: logger)
            services = [EventRelayService(relay: redis.relay), RedisSeasonScheduler(boards: redis.boards, logger: logger)]
            backend = redis.backend
        }
        backend.access.installBootstrapKey(tokenHash: adminKey)
        let routers = podiumRouters(
            backend: backend, authFailuresPerMinute: authFailuresPerMinute, trustedProxies: Set(trustedProxy), prometheus: prometheus,
            eventKeepalive: .seconds(eventKeepalive), console: console)
        let serverName = "podiumd"
        let appConfiguration = ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: serverName)
        var tls: TLSConfiguration?
        if insecureHttp {
            logger.warning("serving plain HTTP: bearer tokens cross the network in clear; use only behind a TLS-terminating proxy")
        } else {
            let (chain, key) = try certificateFiles(for: address, logger: logger)
            tls = try TLSFiles.serverConfiguration(chain: chain, key: key)
        }
        let connectionLimits = ConnectionLimits(
            idleTimeout: .seconds(idleTimeout), headerTimeout: .seconds(headerTimeout), maxHeaderBytes: maxHeaderBytes,
            maxConnections: maxConnections)
        checkOpenFileLimit(logger: logger)
        let hotRoutes = routers.hotRoutes
        let server = try ServerSetup.server(tls: tls, webSocketRouter: routers.webSocket, limits: connectionLimits) {
            hotRoutes.map { [$0.handler(serverName: serverName)] } ?? []
        }
        var app = Application(router: routers.http, server: server, configuration: appConfiguration, logger: logger)
        app.addServices(services)
        if let limit = memory.bytes {
            app.addServices(MemorySampler(memory: memory))
            logger.info("memory limit \(limit) bytes: past it, writes that add members or sessions get 507")
        }
        if console != nil { logger.info("web console at \(insecureHttp ? "http" : "https")://\(listen)/console/") }
        // SIGTERM/SIGINT: stop accepting, finish in-flight requests, then flush and fsync
        // (and keep the events' history for streams resumed after the restart).
        try await app.runService()
        if let embedded {
            let kept = try embedded.close()
            logger.info("stopped; log flushed and fsynced, the events' history of \(kept) board\(kept == 1 ? "" : "s") kept for resumes")
        }
    }

    /// Raises the open-file limit as far as it goes, so that `--max-connections` is not cut
    /// short by a shell's default, and warns when it is still too low for them.
    private func checkOpenFileLimit(logger: Logger) {
        guard let limit = OpenFileLimit.raiseToHardLimit() else {
            logger.warning("cannot read the open-file limit: connections may be refused before --max-connections")
            return
        }
        if limit.after > limit.before { logger.info("open-file limit raised from \(limit.before) to \(limit.after)") }
        let needed = UInt64(maxConnections + OpenFileLimit.reserved)
        if limit.after < needed {
            logger.warning(
                "open-file limit \(limit.after) is below --max-connections \(maxConnections) + \(OpenFileLimit.reserved): connections past about \(limit.after - min(limit.after, UInt64(OpenFileLimit.reserved))) will fail to be accepted; raise the hard limit (ulimit -Hn, LimitNOFILE=) or lower --max-connections"
            )
        }
    }

    private func certificateFiles(for address: ListenAddress, logger: Logger) throws -> (chain: String, key: String) {
        if let tlsCert, let tlsKey { return (tlsCert, tlsKey) }
        let hosts = Array(Set(["localhost", "127.0.0.1", address.host, ProcessInfo.processInfo.hostName]))
        let paths = TLSFiles.paths(in: dataDir)
        if try TLSFiles.createIfMissing(in: dataDir, hosts: hosts.sorted()) {
            logger.info("created a certificate for \(hosts.sorted().joined(separator: ", ")); clients trust the CA at \(paths.authority)")
        } else {
            logger.info("TLS with the certificate in \(paths.chain); CA at \(paths.authority)")
        }
        return (paths.chain, paths.key)
    }
}

extension FsyncPolicy: ExpressibleByArgument {}

/// `--store-ack`: when a write to Redis is acknowledged.
enum StoreAck: String, ExpressibleByArgument {
    case master, replicas
}

/// Compacts the log in the background until shutdown.
struct CompactionService: Service {
    let podium: Podium
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await podium.compact(policy: .init()) { error in logger.error("snapshot failed: \(error)") }
        }
    }
}

/// Samples resident memory ten times a second against `--max-memory` (writes then read a
/// flag, never /proc).
struct MemorySampler: Service {
    let memory: MemoryLimit

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            memory.sample()
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Ends the seasons of boards with a reset schedule at their boundaries: four times a
/// second, each look O(1) a scheduled board. The first look, at start, resets once each
/// board whose boundary passed while the server was down.
struct SeasonScheduler: Service {
    let boards: BoardRegistry
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            for board in await boards.resetDueBoards() { logger.info("board '\(board)': season ended, the live board starts empty") }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}

/// Removes expired sessions nobody uses: ten times a second, at most 200 each time, and
/// again at once while a tick finds a full batch (as Redis's active expiry).
struct SessionSweepService: Service {
    let access: AccessRegistry

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            while access.sweepExpired(limit: 200) == 200 { await Task.yield() }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
