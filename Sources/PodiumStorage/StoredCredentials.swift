/// An API key as stored: never the key itself, only its SHA-256.
public struct StoredKey: Sendable, Hashable {
    /// Unique, chosen by the admin who created it.
    public var name: String
    /// `admin` or `server`; the service gives it meaning.
    public var role: String
    /// SHA-256 of the secret (32 bytes).
    public var tokenHash: [UInt8]
    /// Milliseconds since the Unix epoch.
    public var createdAt: Int64

    public init(name: String, role: String, tokenHash: [UInt8], createdAt: Int64) {
        self.name = name
        self.role = role
        self.tokenHash = tokenHash
        self.createdAt = createdAt
    }
}

/// A player session as stored: its token only as SHA-256.
public struct StoredSession: Sendable, Hashable {
    /// Public identifier, for revocation by a server.
    public var id: String
    public var player: String
    /// SHA-256 of the token (32 bytes).
    public var tokenHash: [UInt8]
    /// Milliseconds since the Unix epoch; the session is gone from then on.
    public var expiresAt: Int64
    /// What a refresh extends the expiry by.
    public var ttlSeconds: Int64
    /// The session's data: JSON text, at most ``maxDataBytes``.
    public var data: [UInt8]

    /// SPEC section 4: session data holds at most 16 KiB.
    public static let maxDataBytes = 16 << 10
    /// SPEC section 4: a session lives 1 s to 30 days.
    public static let ttlSeconds: ClosedRange<Int64> = 1...(30 * 86_400)

    public init(id: String, player: String, tokenHash: [UInt8], expiresAt: Int64, ttlSeconds: Int64, data: [UInt8]) {
        self.id = id
        self.player = player
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.ttlSeconds = ttlSeconds
        self.data = data
    }
}

/// How keys and sessions are written in log records and snapshot frames.
enum CredentialCoding {
    static let hashBytes = 32
    static let maxNameBytes = 128

    static func encode(_ key: StoredKey, into writer: inout ByteWriter) {
        writer.write(key.name)
        writer.write(key.role)
        writer.bytes.append(contentsOf: key.tokenHash)
        writer.writeVarint(UInt64(bitPattern: key.createdAt))
    }

    static func decodeKey(from reader: inout ByteReader) throws(FormatError) -> StoredKey {
        let name = try reader.readString(maxBytes: maxNameBytes), role = try reader.readString(maxBytes: maxNameBytes)
        let hash = Array(try reader.readBytes(hashBytes))
        return StoredKey(name: name, role: role, tokenHash: hash, createdAt: Int64(bitPattern: try reader.readVarint()))
    }

    static func encode(_ session: StoredSession, into writer: inout ByteWriter) {
        writer.write(session.id)
        writer.write(session.player)
        writer.bytes.append(contentsOf: session.tokenHash)
        writer.writeVarint(UInt64(bitPattern: session.expiresAt))
        writer.writeVarint(UInt64(bitPattern: session.ttlSeconds))
        writer.writeVarint(UInt64(session.data.count))
        writer.bytes.append(contentsOf: session.data)
    }

    static func decodeSession(from reader: inout ByteReader) throws(FormatError) -> StoredSession {
        let id = try reader.readString(maxBytes: maxNameBytes), player = try reader.readString(maxBytes: maxNameBytes)
        let hash = Array(try reader.readBytes(hashBytes))
        let expiresAt = Int64(bitPattern: try reader.readVarint()), ttl = Int64(bitPattern: try reader.readVarint())
        // Checked so that a refresh's arithmetic on them cannot overflow.
        guard StoredSession.ttlSeconds.contains(ttl), expiresAt >= 0 else { throw .malformed("session expiry \(expiresAt), TTL \(ttl)") }
        let length = try reader.readVarint()
        guard length <= UInt64(StoredSession.maxDataBytes) else { throw .malformed("session data of \(length) bytes") }
        let data = Array(try reader.readBytes(Int(length)))
        return StoredSession(id: id, player: player, tokenHash: hash, expiresAt: expiresAt, ttlSeconds: ttl, data: data)
    }
}
