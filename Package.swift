// swift-tools-version: 6.0
import PackageDescription

// Dependencies flow one way: PodiumEngine <- PodiumStorage <- PodiumService <- PodiumHTTP <- executables.
// PodiumEngine depends on no package: it is the product's core and must be usable on its own
// (PodiumPrefetch, a C header of this package, gives it the CPU's prefetch).
let package = Package(
    name: "Podium",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PodiumEngine", targets: ["PodiumEngine"]),
        .library(name: "PodiumStorage", targets: ["PodiumStorage"]),
        .library(name: "PodiumService", targets: ["PodiumService"]),
        .library(name: "PodiumHTTP", targets: ["PodiumHTTP"]),
        .library(name: "PodiumAPI", targets: ["PodiumAPI"]),
        .library(name: "PodiumClient", targets: ["PodiumClient"]),
        .library(name: "RESPClient", targets: ["RESPClient"]),
        .executable(name: "podiumd", targets: ["podiumd"]),
        .executable(name: "podium-bench", targets: ["podium-bench"]),
        .executable(name: "podium", targets: ["podium"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        // `__builtin_prefetch`, which Swift cannot reach: the only C in Podium, and no package.
        .target(name: "PodiumPrefetch"),
        .target(name: "PodiumEngine", dependencies: ["PodiumPrefetch"]),
        // The locks of the storage, service and Redis layers: pthread mutexes ThreadSanitizer
        // sees in its build (PODIUM_TSAN), Synchronization.Mutex otherwise.
        .target(name: "PodiumSync"),
        .target(name: "PodiumStorage", dependencies: ["PodiumEngine", "PodiumSync"]),
        // Encryption at rest: key files and the AES-256-GCM cipher behind PodiumStorage's
        // Keyring, apart so that PodiumStorage stays free of package dependencies.
        .target(
            name: "PodiumEncryption",
            dependencies: [
                "PodiumStorage", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "PodiumService",
            dependencies: [
                "PodiumEngine", "PodiumStorage", "PodiumSync", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // The REST API's wire models, shared by the server (PodiumHTTP) and PodiumClient.
        .target(name: "PodiumAPI", dependencies: ["PodiumEngine"]),
        .target(
            name: "PodiumHTTP",
            dependencies: [
                "PodiumService",
                "PodiumAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            // The web console's HTML, CSS and JavaScript, served at /console/ (ConsoleRoutes).
            resources: [.copy("Console")]
        ),
        // A Redis/Valkey client on SwiftNIO (RESP3 and RESP2): its own module, usable alone,
        // for the Redis backend (no Redis client package is in this machine's registries).
        .target(
            name: "RESPClient",
            dependencies: [
                "PodiumSync",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Boards on Redis or Valkey (BoardStore's second backend), on RESPClient.
        .target(name: "PodiumRedis", dependencies: ["PodiumService", "PodiumEngine", "PodiumSync", "RESPClient", .product(name: "Crypto", package: "swift-crypto")]),
        // The typed client of the REST API and event stream: no server module.
        .target(
            name: "PodiumClient",
            dependencies: [
                "PodiumAPI",
                "PodiumEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The admin CLI: on PodiumClient, and PodiumStorage for the offline `podium check`.
        .executableTarget(
            name: "podium",
            dependencies: [
                "PodiumClient",
                "PodiumAPI",
                "PodiumEngine",
                "PodiumStorage",
                "PodiumEncryption",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "podiumd",
            dependencies: [
                "PodiumHTTP",
                "PodiumRedis",
                "PodiumEncryption",
                "RESPClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "podium-bench",
            dependencies: [
                "PodiumEngine",
                "PodiumStorage",
                "PodiumSync",
                "PodiumEncryption",
                "PodiumService",
                "PodiumHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What more than one test target uses: awkward member ids and their encoding, and a
        // real podiumd process with an HTTPS client (ServerProcess).
        .target(
            name: "PodiumTestSupport",
            dependencies: [
                "PodiumService", "PodiumStorage", "PodiumSync", "PodiumRedis", "RESPClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/PodiumTestSupport"
        ),
        .testTarget(name: "PodiumEngineTests", dependencies: ["PodiumEngine"]),
        // Drives the SIGKILL recovery tests until podiumd exists.
        .executableTarget(name: "podium-storage-writer", dependencies: ["PodiumStorage"]),
        .testTarget(name: "PodiumStorageTests", dependencies: ["PodiumStorage", "PodiumTestSupport", "podium-storage-writer"], exclude: ["Fixtures"]),
        .testTarget(name: "PodiumEncryptionTests", dependencies: ["PodiumEncryption", "PodiumStorage", "PodiumTestSupport"]),
        .testTarget(name: "PodiumServiceTests", dependencies: ["PodiumService", "PodiumEncryption", "PodiumSync", "PodiumTestSupport"]),
        .testTarget(
            name: "PodiumHTTPTests",
            dependencies: [
                "PodiumHTTP", "PodiumAPI", "PodiumRedis", "RESPClient", "PodiumTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Starts the real podiumd and talks to it over TLS with a real client.
        .testTarget(
            name: "podiumdTests",
            dependencies: [
                "podiumd",
                "PodiumHTTP",
                "PodiumTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // PodiumClient against a real podiumd over TLS.
        .testTarget(
            name: "PodiumClientTests",
            dependencies: ["PodiumClient", "PodiumAPI", "PodiumEngine", "PodiumTestSupport", "podiumd"]
        ),
        // The podium binary run as a subprocess against a real podiumd.
        .testTarget(name: "podiumTests", dependencies: ["podium", "podiumd", "PodiumTestSupport"]),
        // PodiumHTTP for its TLS files (a CA and a certificate) for the rediss:// tests.
        .testTarget(name: "PodiumRedisTests", dependencies: ["PodiumRedis", "PodiumService", "PodiumEngine", "RESPClient", "PodiumTestSupport"]),
        .testTarget(name: "RESPClientTests", dependencies: ["RESPClient", "PodiumTestSupport", "PodiumHTTP"]),
    ],
    swiftLanguageModes: [.v6]
)

// `PODIUM_SANITIZE=address` or `thread` (ops/ci/sanitizers.sh) builds Podium's own targets
// with that sanitizer and its packages without: the instrumented build reuses the plain
// build's compiled packages and recompiles only Podium, minutes instead of a whole build.
// Under ThreadSanitizer, PodiumSync's locks are pthread mutexes it sees (PODIUM_TSAN).
if let sanitizer = Context.environment["PODIUM_SANITIZE"], ["address", "thread"].contains(sanitizer) {
    for target in package.targets {
        var swiftSettings = target.swiftSettings ?? []
        swiftSettings.append(.unsafeFlags(["-sanitize=\(sanitizer)"]))
        if sanitizer == "thread" { swiftSettings.append(.define("PODIUM_TSAN")) }
        target.swiftSettings = swiftSettings
        target.linkerSettings = (target.linkerSettings ?? []) + [.unsafeFlags(["-sanitize=\(sanitizer)"])]
    }
}
