/// The bodies of `/v1/admin`: persistence control and counts for operators.

/// The snapshot a `snapshot` or `compact` wrote, durable when answered.
public struct SnapshotBody: Codable, Equatable, Sendable {
    public var file: String
    public var bytes: Int

    public init(file: String, bytes: Int) {
        self.file = file
        self.bytes = bytes
    }
}

/// `GET /v1/admin/stats`: counts, memory and the log's work since start.
public struct StatsBody: Codable, Equatable, Sendable {
    public var boards: Int
    public var members: Int
    /// API keys, the bootstrap key included.
    public var keys: Int
    /// Live player sessions.
    public var sessions: Int
    /// Resident memory of the server process.
    public var residentBytes: Int
    /// `--max-memory`; `nil`: no limit.
    @NullEncoded public var memoryLimitBytes: Int?
    /// Whether the limit is reached: new members and sessions are refused.
    public var memoryLimitReached: Bool
    /// The fsync policy: always, everysec or no.
    public var fsync: String
    public var aofWrittenBytes: UInt64
    public var aofFsyncs: Int
    public var aofFsyncSeconds: Double
    public var events: EventsBody
    public var encryption: EncryptionBody

    /// Encryption at rest: the key id files are written under (`null`: not encrypted), and
    /// the live files still plain or under a previous key (0 once a snapshot rewrote them:
    /// the previous key is then no longer needed).
    public struct EncryptionBody: Codable, Equatable, Sendable {
        @NullEncoded public var keyID: String?
        public var filesUnderOtherKeys: Int

        public init(keyID: String?, filesUnderOtherKeys: Int) {
            self.keyID = keyID
            self.filesUnderOtherKeys = filesUnderOtherKeys
        }

        enum CodingKeys: String, CodingKey {
            case keyID = "key_id"
            case filesUnderOtherKeys = "files_under_other_keys"
        }
    }

    /// The event bus's counts: live subscribers per board, events published, messages
    /// dropped from full queues (sent as `lagged`), streams closed by reason.
    public struct EventsBody: Codable, Equatable, Sendable {
        public var subscribers: [String: Int]
        public var published: UInt64
        public var dropped: UInt64
        public var closes: [String: UInt64]

        public init(subscribers: [String: Int], published: UInt64, dropped: UInt64, closes: [String: UInt64]) {
            self.subscribers = subscribers
            self.published = published
            self.dropped = dropped
            self.closes = closes
        }
    }

    enum CodingKeys: String, CodingKey {
        case boards, members, keys, sessions, fsync, events, encryption
        case residentBytes = "resident_bytes"
        case memoryLimitBytes = "memory_limit_bytes"
        case memoryLimitReached = "memory_limit_reached"
        case aofWrittenBytes = "aof_written_bytes"
        case aofFsyncs = "aof_fsyncs"
        case aofFsyncSeconds = "aof_fsync_seconds"
    }

    public init(
        boards: Int, members: Int, keys: Int, sessions: Int, residentBytes: Int, memoryLimitBytes: Int? = nil,
        memoryLimitReached: Bool = false, fsync: String, aofWrittenBytes: UInt64, aofFsyncs: Int, aofFsyncSeconds: Double,
        events: EventsBody, encryption: EncryptionBody = EncryptionBody(keyID: nil, filesUnderOtherKeys: 0)
    ) {
        self.boards = boards
        self.members = members
        self.keys = keys
        self.sessions = sessions
        self.residentBytes = residentBytes
        self.memoryLimitBytes = memoryLimitBytes
        self.memoryLimitReached = memoryLimitReached
        self.fsync = fsync
        self.aofWrittenBytes = aofWrittenBytes
        self.aofFsyncs = aofFsyncs
        self.aofFsyncSeconds = aofFsyncSeconds
        self.events = events
        self.encryption = encryption
    }
}

/// `/healthz` and `/readyz`: `{"status": "ok"}`, `{"status": "ready"}`.
public struct HealthBody: Codable, Equatable, Sendable {
    public var status: String

    public init(status: String) { self.status = status }
}
