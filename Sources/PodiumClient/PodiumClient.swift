import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import PodiumAPI

/// A typed client of Podium's REST API (SPEC section 4) and its event stream, over HTTPS
/// with a bearer token. One method per route (the `PodiumClient+*.swift` files), each
/// returning the API's own bodies (PodiumAPI) and failing with ``PodiumError`` only.
///
/// Calls may run concurrently; connections are pooled. Call ``shutdown()`` once done.
public final class PodiumClient: Sendable {
    /// The server's base URL, without a trailing slash: `https://127.0.0.1:8443`.
    public let url: String
    private let key: String?
    let http: HTTPClient
    /// How long a call may wait for the answer's head, connecting included.
    private let timeout: TimeAmount

    /// A client of the server at `url` (`https://host:port`), sending `key` (an API key or
    /// a session token) as the bearer token, and trusting the CA certificates in the PEM
    /// file `caFile` as well as the system's. Throws ``PodiumError/invalidRequest(_:)``
    /// for a URL or CA file that cannot be used.
    public init(url: String, key: String?, caFile: String? = nil, timeout: Duration = .seconds(30)) throws(PodiumError) {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        guard let parsed = URL(string: base), let scheme = parsed.scheme?.lowercased(), scheme == "https" || scheme == "http",
            parsed.host?.isEmpty == false, parsed.path.isEmpty, parsed.query == nil
        else {
            throw .invalidRequest("'\(url)' is not a server URL like https://127.0.0.1:8443")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            do {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
            } catch {
                throw .invalidRequest("cannot read the CA certificate file '\(caFile)': \(error)")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout.connect = .seconds(10)
        configuration.redirectConfiguration = .disallow
        self.url = base
        self.key = key
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the pooled connections; the client may not be used after.
    public func shutdown() async throws(PodiumError) {
        do {
            try await http.shutdown()
        } catch {
            throw .connection("shutting down: \(error)")
        }
    }

    /// Sends `request` and reads its answer. A 2xx answer is read into `Value`; any other
    /// is the problem it carries, ``PodiumError/server(status:code:detail:)``.
    public func send<Value>(_ request: PodiumRequest<Value>) async throws(PodiumError) -> PodiumReply<Value> {
        var http = prepared(request.method, request.target, accept: "application/json")
        if let body = request.body {
            do {
                http.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
            } catch {
                throw .invalidRequest("the body cannot be written as JSON: \(error)")
            }
            http.headers.add(name: "Content-Type", value: "application/json")
        }
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await self.http.execute(http, timeout: timeout)
            status = Int(response.status.code)
            bytes = Array(buffer: try await response.body.collect(upTo: 64 << 20))
        } catch {
            throw .connection(describe(error))
        }
        guard (200..<300).contains(status) else { throw Self.failure(status: status, body: bytes) }
        do {
            return PodiumReply(value: try request.decode(bytes), status: status, json: bytes)
        } catch {
            throw .invalidResponse("HTTP \(status) for \(request.method) \(request.path): \(error)")
        }
    }

    /// An HTTP request to `target` (path and query) with the token.
    func prepared(_ method: String, _ target: String, accept: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url + target)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: accept)
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        return request
    }

    /// What an error status means: the problem document's code and detail, or, when the
    /// body is not one, an invalid response.
    static func failure(status: Int, body: [UInt8]) -> PodiumError {
        guard let problem = try? JSONDecoder().decode(ProblemBody.self, from: Data(body)) else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            return .invalidResponse("HTTP \(status) without a problem document\(text.isEmpty ? "" : ": " + text)")
        }
        return .server(status: status, code: problem.code, detail: problem.detail)
    }

    /// A transport error in a sentence that names the server.
    func describe(_ error: any Error) -> String {
        "\(url): \(error)"
    }
}
