import Foundation
import NIOCore
import NIOSSL

/// Where a Redis or Valkey server is and how to talk to it.
public struct RESPConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// ACL user (Redis 6+); nil: `default`.
    public var username: String?
    public var password: String?
    public var database: Int
    /// TLS (`rediss://`); nil: plain TCP.
    public var tls: TLSConfiguration?
    public var connectTimeout: TimeAmount
    /// How long a command may wait for its reply; `.zero`: forever.
    public var commandTimeout: TimeAmount

    public init(
        host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0,
        tls: TLSConfiguration? = nil, connectTimeout: TimeAmount = .seconds(5), commandTimeout: TimeAmount = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS (trusting the
    /// system's roots unless `caFile` names a PEM file). User and password are
    /// percent-decoded. Throws ``RESPError/protocolViolation(_:)`` naming what is wrong.
    public init(url text: String, caFile: String? = nil) throws(RESPError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme, scheme == "redis" || scheme == "rediss",
            let host = url.host, !host.isEmpty
        else { throw .protocolViolation("'\(text)' is not a redis:// or rediss:// URL with a host") }
        let path = url.path.drop { $0 == "/" }
        guard path.isEmpty || Int(path) != nil else { throw .protocolViolation("the database in '\(text)' is not a number") }
        var tls: TLSConfiguration?
        if scheme == "rediss" {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile { configuration.trustRoots = .file(caFile) }
            tls = configuration
        }
        self.init(
            host: host, port: url.port ?? 6379,
            username: url.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 },
            password: url.percentEncodedPassword.flatMap { $0.removingPercentEncoding }, database: Int(path) ?? 0, tls: tls)
    }
}
