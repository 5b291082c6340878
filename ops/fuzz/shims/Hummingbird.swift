// A stand-in for the few Hummingbird types the fuzzed decoders of PodiumHTTP use
// (RequestDecoding.swift, PercentDecoding.swift), so they compile without Hummingbird,
// NIO and their C modules. Only for ops/fuzz: the real server uses Hummingbird.

/// `Request.uri`: only the raw (still percent-encoded) query, as Hummingbird's `URI.query`.
public struct URI: Sendable {
    public var query: String?
    public init(query: String?) { self.query = query }
}

/// The bytes of a body, as NIO's `ByteBuffer` is read by RequestDecoding.
public struct ByteBuffer: Sendable {
    public var bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public var readableBytesView: [UInt8] { bytes }
    public func withUnsafeReadableBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes(body)
    }
}

public struct BodyTooLarge: Error {}

public struct Request: Sendable {
    public var uri: URI
    public var body: ByteBuffer
    public init(query: String?, body: [UInt8] = []) {
        uri = URI(query: query)
        self.body = ByteBuffer(bytes: body)
    }

    /// As Hummingbird's: the whole body, or an error past `maxSize` bytes.
    public mutating func collectBody(upTo maxSize: Int) async throws -> ByteBuffer {
        guard body.bytes.count <= maxSize else { throw BodyTooLarge() }
        return body
    }
}

public protocol RequestContext {
    var maxUploadSize: Int { get }
}

/// Route parameters: still percent-encoded, as Hummingbird hands them over.
public struct Parameters: Sendable {
    public var values: [String: String]
    public init(_ values: [String: String]) { self.values = values }
    public struct Missing: Error {}
    public func require(_ name: String) throws -> String {
        guard let value = values[name] else { throw Missing() }
        return value
    }
}
