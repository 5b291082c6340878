import Foundation
import NIOCore
import NIOSSL

/// The server's certificate and key as files: given by the operator, or created once in
/// the data directory (a CA made for this server, and a certificate it signs).
public enum TLSFiles {
    /// Where a created CA, chain and key live under `directory`.
    public static func paths(in directory: String) -> (authority: String, chain: String, key: String) {
        (directory + "/tls/ca.pem", directory + "/tls/server-chain.pem", directory + "/tls/server-key.pem")
    }

    /// Creates the CA, chain and key under `directory` unless they exist; returns whether
    /// it created them. The key is written with mode 0600.
    @discardableResult
    public static func createIfMissing(in directory: String, hosts: [String]) throws -> Bool {
        let paths = paths(in: directory)
        let manager = FileManager.default
        if manager.fileExists(atPath: paths.chain), manager.fileExists(atPath: paths.key) { return false }
        try manager.createDirectory(atPath: directory + "/tls", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let certificate = try SelfSignedCertificate(hosts: hosts)
        try write(certificate.privateKeyPEM, to: paths.key, mode: 0o600)
        try write(certificate.chainPEM, to: paths.chain, mode: 0o644)
        try write(certificate.authorityPEM, to: paths.authority, mode: 0o644)
        return true
    }

    /// The TLS 1.2 cipher suites a server offers: forward-secret key exchange (ECDHE) and
    /// authenticated encryption (AES-GCM, ChaCha20-Poly1305) only, for ECDSA and RSA
    /// certificates alike. No CBC, no RSA key exchange, no SHA-1 MAC. TLS 1.3 has only
    /// such suites, and BoringSSL does not let them be chosen.
    public static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// How long a connection the server closes waits for the peer's TLS close_notify.
    static let closeNotifyTimeout: TimeAmount = .seconds(1)

    /// A server TLS configuration from PEM files: TLS 1.2 or newer, and for TLS 1.2 only
    /// ``tls12CipherSuites``; a client that offers nothing else gets a handshake failure.
    public static func serverConfiguration(chain: String, key: String) throws -> TLSConfiguration {
        let certificates = try NIOSSLCertificate.fromPEMFile(chain).map { NIOSSLCertificateSource.certificate($0) }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = tls12CipherSuites
        // NIOSSL's 5 s held a graceful stop that long for every idle keep-alive connection
        // of a client that is not reading (a blocking client's pool). The wait guards
        // nothing the server needs: it has nothing left to read.
        configuration.shutdownTimeout = closeNotifyTimeout
        return configuration
    }

    private static func write(_ text: String, to path: String, mode: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
