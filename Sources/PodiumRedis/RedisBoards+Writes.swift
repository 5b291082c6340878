import PodiumEngine
import PodiumService
import RESPClient

/// Writes: each one script, atomic on the server, its events published from the script.
extension RedisBoards {
    /// Creates `name`; idempotent for the same config, ``ServiceError/boardConfigConflict(_:)``
    /// for another.
    @discardableResult
    public func createBoard(name: String, config: BoardConfig) async throws(ServiceError) -> Bool {
        try BoardName.validate(name)
        _ = try BoardRules.emptyBoard(config)
        var fields = [
            "order", config.order.rawValue, "update", config.update.rawValue, "tie", config.tieBreak.rawValue,
            "max_size", String(config.maxSize ?? 0), "player_submit", config.playerSubmit ? "1" : "0",
        ]
        if let minScore = config.minScore { fields += ["min", Self.text(minScore)] }
        if let maxScore = config.maxScore { fields += ["max", Self.text(maxScore)] }
        if let reset = config.reset {
            fields += [
                "reset_every", reset.every.rawValue, "reset_at", String(reset.minuteOfDay), "reset_tz", reset.timeZone, "reset_keep",
                String(reset.keep),
            ]
        }
        let reply = try await write(BoardScripts.create, keys: [keys.config(name), keys.meta(name)], arguments: fields)
        // Listed after it exists (another slot: not in the script). A crash between leaves a
        // board that the next create of it lists.
        _ = try await command(["SADD", keys.boardNames, name])
        switch reply.integer {
        case 1: return true
        case 0: return false
        default: throw .boardConfigConflict(name)
        }
    }

    /// Drops `name` with its entries; its streams end with `board_dropped`.
    public func dropBoard(name: String) async throws(ServiceError) {
        try Self.checkLive(name)
        _ = try await write(BoardScripts.drop, keys: keys.writing(name), arguments: [keys.seasonPrefix(name)], board: name)
        _ = try await command(["SREM", keys.boardNames, name])
    }

    /// One score, under the board's rules or `submission.policy`. O(log n) on the server.
    public func submit(board: String, _ submission: ScoreSubmission) async throws(ServiceError) -> SubmitResult {
        try Self.checkLive(board)
        try Self.validate(submission)
        let reply = try await write(
            BoardScripts.submit, keys: keys.writing(board), arguments: entryArguments(submission) + [String(history)], board: board)
        return try Self.result(of: submission, reply)
    }

    /// Up to ``BoardRegistry/maxBatch`` scores to one board, in order, in one script (one
    /// round trip, one read of the board's config, one publish); one result each, an invalid
    /// entry failing alone.
    public func submitBatch(board: String, _ submissions: [ScoreSubmission]) async throws(ServiceError) -> [Result<SubmitResult, ServiceError>] {
        try Self.checkLive(board)
        guard submissions.count <= BoardRegistry.maxBatch else { throw .batchTooLarge(count: submissions.count, limit: BoardRegistry.maxBatch) }
        var results = [Result<SubmitResult, ServiceError>?](repeating: nil, count: submissions.count)
        var sent: [Int] = []
        for (index, submission) in submissions.enumerated() {
            do throws(ServiceError) {
                try Self.validate(submission)
                sent.append(index)
            } catch {
                results[index] = .failure(error)
            }
        }
        if !sent.isEmpty {
            let reply = try await write(
                BoardScripts.submitBatch, keys: keys.writing(board), arguments: [String(history)] + sent.flatMap { entryArguments(submissions[$0]) },
                board: board)
            guard let answers = reply.elements, answers.count == sent.count else { throw .backendUnavailable("Redis answered a batch with \(reply)") }
            for (index, answer) in zip(sent, answers) {
                let submission = submissions[index]
                if let refusal = answer.string {
                    results[index] = .failure(Self.serviceError(.server(refusal), board: board, member: submission.member))
                } else {
                    results[index] = Result { () throws(ServiceError) in try Self.result(of: submission, answer) }
                }
            }
        }
        return results.map { $0 ?? .failure(.backendUnavailable("Redis sent no reply")) }
    }

    /// One score to each of `boards`, each under its own rules, board by board: each board
    /// is its own slot, so unlike the embedded store a failure part-way keeps the boards done.
    public func submit(toBoards boards: [String], _ submission: ScoreSubmission) async throws(ServiceError) -> [Result<SubmitResult, ServiceError>] {
        try BoardRules.validateTargets(boards)
        var results: [Result<SubmitResult, ServiceError>] = []
        for board in boards {
            do throws(ServiceError) {
                results.append(.success(try await submit(board: board, submission)))
            } catch {
                if case .backendUnavailable = error { throw error }
                results.append(.failure(error))
            }
        }
        return results
    }

    /// Removes `member`; ``ServiceError/memberNotFound(board:member:)`` when absent.
    @discardableResult
    public func removeMember(board: String, member: String) async throws(ServiceError) -> Removal {
        try Self.checkLive(board)
        try MemberID.validate(member)
        let reply = try await write(BoardScripts.remove, keys: keys.writing(board), arguments: [member, String(history)], board: board, member: member)
        guard let fields = reply.elements, fields.count == 3, let score = fields[0].double, let rank = fields[1].integer else {
            throw .backendUnavailable("Redis answered a removal with \(reply)")
        }
        return Removal(member: member, score: score, rank: Int(rank))
    }

    /// Refuses a name that is not a live board's: an invalid one, or a past season's
    /// (read-only), as the embedded store does.
    static func checkLive(_ name: String) throws(ServiceError) {
        if let season = SeasonName(name) {
            try BoardName.validate(season.board)
            throw .seasonReadOnly(name)
        }
        try BoardName.validate(name)
    }

    private static func validate(_ submission: ScoreSubmission) throws(ServiceError) {
        try MemberID.validate(submission.member)
        guard submission.score.isFinite else { throw .invalidScore }
        try BoardRules.validateMetadata(submission)
    }

    /// A submission as the submit scripts take it: member, score, policy, metadata.
    private func entryArguments(_ submission: ScoreSubmission) -> [String] {
        [
            submission.member, Self.text(submission.score), submission.policy?.rawValue ?? "",
            submission.metadata.map { String(decoding: $0, as: UTF8.self) } ?? "",
        ]
    }

    /// The submit script's answer as a result.
    private static func result(of submission: ScoreSubmission, _ reply: RESPValue) throws(ServiceError) -> SubmitResult {
        guard let fields = reply.elements, fields.count == 14 else { throw .backendUnavailable("Redis answered a submit with \(reply)") }
        guard let score = fields[1].double, let rank = fields[2].integer, let shared = fields[10].integer, let worse = fields[11].integer,
            let size = fields[12].integer
        else {
            // A full board kept the newcomer out.
            return SubmitResult(member: submission.member, entry: nil, previousScore: nil, previousRank: nil, changed: false, evicted: nil)
        }
        let evicted = fields[5].string.flatMap { $0.isEmpty ? nil : $0 }.map { member in
            Removal(member: member, score: fields[6].double ?? 0, rank: Int(fields[7].integer ?? 0))
        }
        let entry = Entry(
            member: submission.member, score: score, rank: Int(rank), sharedRank: Int(shared),
            percentile: percentile(worse: worse, size: size), metadata: metadata(fields[13]))
        return SubmitResult(
            member: submission.member, entry: entry, previousScore: fields[3].double, previousRank: fields[4].integer.map(Int.init),
            changed: fields[0].integer == 1, evicted: evicted)
    }

    /// A metadata column: the JSON's bytes, or `nil` for `''`.
    static func metadata(_ value: RESPValue) -> [UInt8]? {
        guard case let .bulkString(bytes) = value, !bytes.isEmpty else { return nil }
        return bytes
    }
}
