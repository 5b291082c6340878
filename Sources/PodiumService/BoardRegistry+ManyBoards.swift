import PodiumStorage

/// One score to many boards at once (daily, weekly and all-time fed by one submit).
extension BoardRegistry {
    /// Submits `submission` to each of `boards` (distinct, at most ``BoardRules/maxBoardsPerSubmit``),
    /// each under its own rules, and answers one result per board in their order: an
    /// unknown board or a refused score fails alone, the others apply. The boards are
    /// locked together (in name order, so two such writes never wait on each other in a
    /// cycle) and every board's records go to the log in one append, so a crash keeps all
    /// of the submit or none of it. O(boards x log n), plus the wait for durability.
    public func submit(
        toBoards boards: [String], _ submission: ScoreSubmission
    ) async throws(ServiceError) -> [Result<SubmitResult, ServiceError>] {
        try BoardRules.validateTargets(boards)
        try checkWritable()
        var results = [Result<SubmitResult, ServiceError>](repeating: .failure(.invalidRequest("not applied")), count: boards.count)
        var targets: [(index: Int, handle: BoardHandle)] = []
        for (index, name) in boards.enumerated() {
            do throws(ServiceError) {
                targets.append((index, try handle(name)))
            } catch {
                results[index] = .failure(error)
            }
        }
        targets.sort { $0.handle.name < $1.handle.name }

        let at = clock()
        var records: [LogRecord] = []
        var released: [(BoardHandle, [BoardEvent])] = []
        // Takes target `next`'s lock, applies the submission there, and goes on to the next
        // target with every lock so far still held; the last one appends all the records.
        func applyAll(from next: Int) throws(ServiceError) -> AppendOnlyLog.Position {
            guard next < targets.count else { return try append(records) }
            let (index, handle) = targets[next]
            var entered = false
            do {
                return try handle.withState { (state) throws(ServiceError) -> AppendOnlyLog.Position in
                    entered = true
                    var effect = WriteEffect(board: handle.name, at: at)
                    do throws(ServiceError) {
                        results[index] = .success(try apply(submission, to: &state, effect: &effect))
                    } catch {
                        results[index] = .failure(error)
                    }
                    records += effect.log(seq: state.seq)
                    released.append((handle, effect.events))
                    return try applyAll(from: next + 1)
                }
            } catch where !entered {
                // Dropped since it was looked up: this board fails, the others go on.
                results[index] = .failure(error)
                return try applyAll(from: next + 1)
            }
        }
        let position = try applyAll(from: 0)
        try await waitUntilDurable(position)
        for (handle, events) in released { handle.release(events) }
        return results
    }
}
