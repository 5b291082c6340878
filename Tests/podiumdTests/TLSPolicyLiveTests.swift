import Foundation
import PodiumTestSupport
import Testing

/// The `openssl` command, if this machine has one.
private let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// Which TLS clients podiumd accepts, asked with the `openssl s_client` a user would
/// try: TLS 1.3, and TLS 1.2 with forward-secret AEAD suites only; TLS 1.1 and CBC
/// suites are refused by the server (not by the client's own defaults).
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: openssl != nil, "needs the openssl command"))
struct TLSPolicyLiveTests {

    /// Runs `openssl s_client` against the server with `arguments`; returns whether the
    /// handshake completed, and what it printed.
    static func handshake(port: Int, _ arguments: [String]) async throws -> (completed: Bool, output: String) {
        // stdin is empty: s_client ends once the handshake is done (or failed).
        let run = try await ChildProcess.run(
            try #require(openssl), ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"] + arguments, mergingError: true
        )
        // "Cipher is (NONE)" or "Cipher    : 0000" when nothing was agreed.
        let agreed = run.output.contains("Cipher is ") && !run.output.contains("Cipher is (NONE)")
        return (run.ending.status == 0 && !run.ending.bySignal && agreed, run.output)
    }

    @Test func onlyTLS13AndModernTLS12SuitesAreAccepted() async throws {
        let server = ServerProcess()
        try await server.start()
        do {
            let tls13 = try await Self.handshake(port: server.port, ["-tls1_3"])
            #expect(tls13.completed && tls13.output.contains("TLSv1.3"), "\(tls13.output)")
            let tls12 = try await Self.handshake(port: server.port, ["-tls1_2"])
            #expect(tls12.completed, "\(tls12.output)")
            #expect(["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"].contains { tls12.output.contains($0) }, "\(tls12.output)")
            let chacha = try await Self.handshake(port: server.port, ["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"])
            #expect(chacha.completed, "\(chacha.output)")

            // CBC suites, which the TLS library's default list still has, with ECDHE and
            // without: the server answers with a handshake failure alert.
            for cbc in ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-SHA", "AES256-SHA256"] {
                let refused = try await Self.handshake(port: server.port, ["-tls1_2", "-cipher", cbc])
                #expect(!refused.completed, "\(cbc): \(refused.output)")
                #expect(refused.output.contains("alert handshake failure"), "\(cbc): \(refused.output)")
            }
            // TLS 1.1 and 1.0, which OpenSSL 3 itself only offers at security level 0: the
            // server answers with a protocol version alert.
            for old in ["-tls1_1", "-tls1"] {
                let refused = try await Self.handshake(port: server.port, [old, "-cipher", "DEFAULT@SECLEVEL=0"])
                #expect(!refused.completed, "\(old): \(refused.output)")
                #expect(refused.output.contains("alert protocol version"), "\(old): \(refused.output)")
            }
            // Refused handshakes are the clients' business: no error lines for them.
            let log = (try? String(contentsOfFile: server.logPath, encoding: .utf8)) ?? ""
            #expect(!log.contains("error"), "\(log)")
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }
}
