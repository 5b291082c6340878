import Hummingbird
import PodiumAPI
import PodiumService

/// `/v1/boards`: list and show, and past seasons (anyone); create, drop and reset (admins).
struct BoardRoutes {
    let registry: any BoardStore

    func register(anyone: some RouterMethods<PodiumRequestContext>, admins: some RouterMethods<PodiumRequestContext>) {
        anyone.get("boards") { _, _ in
            try await Response.json(BoardListBody(boards: registry.listBoards().map(BoardBody.init)))
        }
        admins.put("boards/:board") { request, context in
            let name = try context.parameters.decoded("board")
            let body = try await request.decodeJSON(BoardConfigBody.self, context: context)
            let created = try await registry.createBoard(name: name, config: try body.config)
            return try await Response.json(BoardBody(registry.board(named: name)), status: created ? .created : .ok)
        }
        anyone.get("boards/:board") { _, context in
            try await Response.json(BoardBody(registry.board(named: context.parameters.decoded("board"))))
        }
        admins.delete("boards/:board") { _, context in
            try await registry.dropBoard(name: context.parameters.decoded("board"))
            return Response(status: .noContent)
        }
        anyone.get("boards/:board/seasons") { _, context in
            try await Response.json(SeasonListBody(seasons: registry.seasons(board: context.parameters.decoded("board")).map(SeasonBody.init)))
        }
        admins.post("boards/:board/reset") { _, context in
            try Response.json(SeasonBody(await registry.reset(board: context.parameters.decoded("board"))))
        }
    }
}
