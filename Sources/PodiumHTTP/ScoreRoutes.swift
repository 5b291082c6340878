import Hummingbird
import PodiumAPI
import PodiumEngine
import PodiumService

/// Writes: submit a score (servers; a player its own, where the board allows), a batch,
/// remove a member (servers).
struct ScoreRoutes {
    let registry: any BoardStore

    func register(anyone: some RouterMethods<PodiumRequestContext>, servers: some RouterMethods<PodiumRequestContext>) {
        anyone.post("boards/:board/scores") { request, context in
            let board = try context.parameters.decoded("board")
            let body = try await request.decodeJSON(SubmitBody.self, context: context)
            if case let .session(_, player) = context.principal {
                guard try await registry.board(named: board).config.playerSubmit,
                    BoardRules.isOwnSubmit(member: body.member, update: body.update, player: player)
                else {
                    throw Problem.forbidden
                }
            }
            return Response.json(SubmitResultBody(try await registry.submit(board: board, try body.submission)))
        }
        // One score to many boards: a player may send its own, to the boards that allow it
        // (any other board answers that entry 403).
        anyone.post("scores") { request, context in
            let body = try await request.decodeJSON(ManyBoardsSubmitBody.self, context: context)
            try BoardRules.validateTargets(body.boards)
            var refused: Set<String> = []
            if case let .session(_, player) = context.principal {
                guard BoardRules.isOwnSubmit(member: body.member, update: body.update, player: player) else { throw Problem.forbidden }
                for board in body.boards where (try? await registry.board(named: board).config.playerSubmit) == false { refused.insert(board) }
            }
            let submission = ScoreSubmission(
                member: body.member, score: body.score, policy: body.update, metadata: try storedMetadata(body.metadata))
            let allowed = body.boards.filter { !refused.contains($0) }
            let results = allowed.isEmpty ? [] : try await registry.submit(toBoards: allowed, submission)
            var outcomes = Dictionary(uniqueKeysWithValues: zip(allowed, results))
            return Response.json(ManyBoardsResponseBody(results: body.boards.map { board in
                switch outcomes.removeValue(forKey: board) {
                case let .success(result): BoardResultBody(board: board, result: SubmitResultBody(result), error: nil)
                case let .failure(error): BoardResultBody(board: board, result: nil, error: Problem(error).body)
                case nil: BoardResultBody(board: board, result: nil, error: Problem.forbidden.body)
                }
            }))
        }
        servers.post("boards/:board/scores/batch") { request, context in
            let board = try context.parameters.decoded("board")
            let body = try await request.decodeJSON(BatchBody.self, context: context)
            let results = try await registry.submitBatch(board: board, try body.submissions)
            return Response.json(BatchResponseBody(results))
        }
        servers.delete("boards/:board/members/:member") { _, context in
            try await registry.removeMember(board: context.parameters.decoded("board"), member: context.parameters.decoded("member"))
            return Response(status: .noContent)
        }
    }
}
