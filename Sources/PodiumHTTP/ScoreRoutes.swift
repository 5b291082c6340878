import Hummingbird
import PodiumAPI
import PodiumService

/// Writes: submit a score (servers; a player its own, where the board allows), a batch,
/// remove a member (servers).
struct ScoreRoutes {
    let registry: BoardRegistry

    func register(anyone: some RouterMethods<PodiumRequestContext>, servers: some RouterMethods<PodiumRequestContext>) {
        anyone.post("boards/:board/scores") { request, context in
            let board = try context.parameters.decoded("board")
            let body = try await request.decodeJSON(SubmitBody.self, context: context)
            if case let .session(_, player) = context.principal {
                // A player submits under the board's own update rule, for itself only.
                // Member ids are compared as bytes, as the engine does: Swift's `==` would take
                // "é" and "e" + U+0301 for the same id.
                guard try registry.board(named: board).config.playerSubmit, body.member.utf8.elementsEqual(player.utf8),
                    body.update == nil
                else {
                    throw Problem.forbidden
                }
            }
            return Response.json(SubmitResultBody(try await registry.submit(board: board, body.submission)))
        }
        servers.post("boards/:board/scores/batch") { request, context in
            let board = try context.parameters.decoded("board")
            let body = try await request.decodeJSON(BatchBody.self, context: context)
            let results = try await registry.submitBatch(board: board, body.entries.map(\.submission))
            return Response.json(BatchResponseBody(results: results.map { result in
                switch result {
                case let .success(result): BatchResultBody(result: SubmitResultBody(result), error: nil)
                case let .failure(error): BatchResultBody(result: nil, error: Problem(error).body)
                }
            }))
        }
        servers.delete("boards/:board/members/:member") { _, context in
            try await registry.removeMember(board: context.parameters.decoded("board"), member: context.parameters.decoded("member"))
            return Response(status: .noContent)
        }
    }
}
