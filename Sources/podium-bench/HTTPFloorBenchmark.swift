import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import PodiumHTTP

/// `podium-bench http-floor`: a bare Hummingbird TLS server, built as podiumd builds its own,
/// whose routes return fixed JSON bodies the size of podiumd's answers. What wrk measures
/// against it is the framework's ceiling; `ops/bench/http.sh` sets podiumd beside it.
struct HTTPFloorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-floor",
        abstract: "Serve GET /floor/entry and POST /floor/submit with fixed bodies over TLS, until SIGTERM."
    )

    @Option(help: "Address and port to listen on.") var listen = "127.0.0.1:8444"
    @Option(help: "Where the created CA and certificate live (DIR/tls/ca.pem).") var dataDir = "./podium-floor"
    @Flag(help: "Answer the floor's routes from a channel handler on the event loop instead of Hummingbird's router.")
    var eventLoop = false
    @Flag(help: "Print the body of GET /floor/entry and exit (for a server beside it to answer the same).")
    var printEntry = false

    /// The sizes of podiumd's answers to a rank read and to a score submit on a 1M board.
    static let entry = #"{"member":"m123456","score":654321.123456,"rank":345678,"shared_rank":345678,"percentile":65.4321}"#
    static let submitResult =
        #"{"member":"m123456","score":654321.123456,"rank":345678,"shared_rank":345678,"percentile":65.4321,"previous_score":123456.654321,"previous_rank":876543,"changed":true,"evicted":null}"#

    func run() async throws {
        if printEntry { return print(Self.entry) }
        guard let address = ListenAddress(listen) else { throw ValidationError("--listen must be HOST:PORT") }
        try TLSFiles.createIfMissing(in: dataDir, hosts: ["localhost", "127.0.0.1", address.host])
        let paths = TLSFiles.paths(in: dataDir)
        let tls = try TLSFiles.serverConfiguration(chain: paths.chain, key: paths.key)

        let router = Router()
        let entry = ByteBuffer(string: Self.entry)
        let submitResult = ByteBuffer(string: Self.submitResult)
        let json: HTTPFields = [.contentType: "application/json"]
        router.get("readyz") { _, _ in "ready" }
        router.get("floor/entry") { _, _ in Response(status: .ok, headers: json, body: .init(byteBuffer: entry)) }
        router.post("floor/submit") { request, _ in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .ok, headers: json, body: .init(byteBuffer: submitResult))
        }
        let answersOnEventLoop = eventLoop
        let fastPath: @Sendable () -> [any RemovableChannelHandler] = {
            answersOnEventLoop ? [AheadOfHTTPTypes(FloorEventLoopHandler(entry: entry, submitResult: submitResult))] : []
        }
        var logger = Logger(label: "http-floor")
        logger.logLevel = .warning
        let app = Application(
            // No WebSocket route, but the same upgrade-capable server podiumd runs.
            router: router, server: try ServerSetup.server(tls: tls, webSocketRouter: Router(context: PodiumWebSocketContext.self), hotRoutes: fastPath),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "podium-floor"), logger: logger)
        try await app.runService()
    }
}
