import PodiumAPI
import PodiumEngine

/// Writes: submit a score, a batch of them, remove a member.
extension PodiumRequest {
    public static func submit(board: String, _ submission: SubmitBody) -> PodiumRequest<SubmitResultBody> {
        PodiumRequest<SubmitResultBody>("POST", "/v1/boards/\(board.pathSegment)/scores", body: submission)
    }

    public static func submitBatch(board: String, _ entries: [SubmitBody]) -> PodiumRequest<BatchResponseBody> {
        PodiumRequest<BatchResponseBody>("POST", "/v1/boards/\(board.pathSegment)/scores/batch", body: BatchBody(entries: entries))
    }

    public static func submit(toBoards body: ManyBoardsSubmitBody) -> PodiumRequest<ManyBoardsResponseBody> {
        PodiumRequest<ManyBoardsResponseBody>("POST", "/v1/scores", body: body)
    }

    public static func removeMember(board: String, member: String) -> PodiumRequest<Void> {
        PodiumRequest<Void>("DELETE", "/v1/boards/\(board.pathSegment)/members/\(member.pathSegment)")
    }
}

extension PodiumClient {
    /// Submits `score` for `member` under `update` (nil: the board's own rule), replacing
    /// its metadata when `metadata` is given (a JSON object of at most 1 KiB); answers the
    /// member's entry after the write and its standing before.
    public func submit(
        board: String, member: String, score: Double, update: UpdatePolicy? = nil, metadata: JSONValue? = nil
    ) async throws(PodiumError) -> SubmitResultBody {
        try await send(.submit(board: board, SubmitBody(member: member, score: score, update: update, metadata: metadata))).value
    }

    /// Up to 1000 submissions applied in order; one result or problem each, in order.
    public func submitBatch(board: String, _ entries: [SubmitBody]) async throws(PodiumError) -> [BatchResultBody] {
        try await send(.submitBatch(board: board, entries)).value.results
    }

    /// One score to up to 16 boards (daily, weekly, all-time), each under its own rule
    /// unless `update` overrides it, all logged together; one result or problem per board,
    /// in `boards` order.
    public func submit(
        member: String, score: Double, toBoards boards: [String], update: UpdatePolicy? = nil, metadata: JSONValue? = nil
    ) async throws(PodiumError) -> [BoardResultBody] {
        let body = ManyBoardsSubmitBody(member: member, score: score, boards: boards, update: update, metadata: metadata)
        return try await send(.submit(toBoards: body)).value.results
    }

    /// Removes `member` from `board`; 404 `member_not_found` when it is not there.
    public func removeMember(board: String, member: String) async throws(PodiumError) {
        try await send(.removeMember(board: board, member: member)).value
    }
}
