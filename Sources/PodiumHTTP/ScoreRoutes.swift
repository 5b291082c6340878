import Hummingbird
import PodiumService

/// Writes: submit a score, a batch, remove a member.
struct ScoreRoutes {
    let registry: BoardRegistry

    func register(on group: some RouterMethods<PodiumRequestContext>) {
        group.post("boards/:board/scores") { request, context in
            let board = try context.parameters.require("board")
            let body = try await request.decodeJSON(SubmitBody.self, context: context)
            return try Response.json(SubmitResultBody(await registry.submit(board: board, body.submission)))
        }
        group.post("boards/:board/scores/batch") { request, context in
            let board = try context.parameters.require("board")
            let body = try await request.decodeJSON(BatchBody.self, context: context)
            let results = try await registry.submitBatch(board: board, body.entries.map(\.submission))
            return try Response.json(BatchResponseBody(results: results.map { result in
                switch result {
                case let .success(result): BatchResultBody(result: SubmitResultBody(result), error: nil)
                case let .failure(error): BatchResultBody(result: nil, error: Problem(error).body)
                }
            }))
        }
        group.delete("boards/:board/members/:member") { _, context in
            try await registry.removeMember(board: context.parameters.require("board"), member: context.parameters.require("member"))
            return Response(status: .noContent)
        }
    }
}
