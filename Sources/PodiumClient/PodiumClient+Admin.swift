import PodiumAPI

/// `/v1/admin` (persistence control and counts), the health checks and `/metrics`.
extension PodiumRequest {
    public static func snapshot() -> PodiumRequest<SnapshotBody> {
        PodiumRequest<SnapshotBody>("POST", "/v1/admin/snapshot")
    }

    public static func compact() -> PodiumRequest<SnapshotBody> {
        PodiumRequest<SnapshotBody>("POST", "/v1/admin/compact")
    }

    public static func stats() -> PodiumRequest<StatsBody> {
        PodiumRequest<StatsBody>("GET", "/v1/admin/stats")
    }

    public static func health() -> PodiumRequest<HealthBody> {
        PodiumRequest<HealthBody>("GET", "/healthz")
    }

    public static func readiness() -> PodiumRequest<HealthBody> {
        PodiumRequest<HealthBody>("GET", "/readyz")
    }

    public static func metrics() -> PodiumRequest<String> {
        PodiumRequest<String>("GET", "/metrics") { bytes in String(decoding: bytes, as: UTF8.self) }
    }
}

extension PodiumClient {
    /// Takes a snapshot and retires the log before it; answers once it is durable.
    /// 409 `snapshot_in_progress` while another runs.
    public func snapshot() async throws(PodiumError) -> SnapshotBody {
        try await send(.snapshot()).value
    }

    /// Rewrites the log from live state (a snapshot, as above).
    public func compact() async throws(PodiumError) -> SnapshotBody {
        try await send(.compact()).value
    }

    /// Counts, memory, the log's work and the event bus's since start.
    public func stats() async throws(PodiumError) -> StatsBody {
        try await send(.stats()).value
    }

    /// Whether the server is up (no token needed).
    public func health() async throws(PodiumError) -> HealthBody {
        try await send(.health()).value
    }

    /// Whether the server has recovered and its storage is healthy; 503 otherwise.
    public func readiness() async throws(PodiumError) -> HealthBody {
        try await send(.readiness()).value
    }

    /// The Prometheus text of `/metrics` (admin).
    public func metrics() async throws(PodiumError) -> String {
        try await send(.metrics()).value
    }
}
