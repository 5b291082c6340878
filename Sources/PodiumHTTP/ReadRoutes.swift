import Hummingbird
import PodiumAPI
import PodiumEngine
import PodiumService

/// Reads: a member's entry, pages by rank and by score, counts, neighbours, lookups.
struct ReadRoutes {
    let registry: any BoardStore

    func register(on group: some RouterMethods<PodiumRequestContext>) {
        group.get("boards/:board/members/:member") { _, context in
            try await Response.json(EntryBody(registry.entry(board: context.parameters.decoded("board"), member: context.parameters.decoded("member"))))
        }
        group.get("boards/:board/top") { request, context in
            let page = try await registry.top(
                board: context.parameters.decoded("board"), offset: request.integerQuery("offset") ?? 0,
                limit: request.integerQuery("limit") ?? BoardRegistry.defaultPage)
            return Response.json(PageBody(page))
        }
        group.get("boards/:board/around/:member") { request, context in
            let page = try await registry.around(
                board: context.parameters.decoded("board"), member: context.parameters.decoded("member"),
                radius: request.integerQuery("radius") ?? 5)
            return Response.json(PageBody(page))
        }
        group.get("boards/:board/scores") { request, context in
            let page = try await registry.scores(
                board: context.parameters.decoded("board"), in: Self.range(request),
                offset: request.integerQuery("offset") ?? 0, limit: request.integerQuery("limit") ?? BoardRegistry.defaultPage)
            return Response.json(PageBody(page))
        }
        group.get("boards/:board/count") { request, context in
            try await Response.json(CountBody(count: registry.count(board: context.parameters.decoded("board"), in: Self.range(request))))
        }
        group.post("boards/:board/members:lookup") { request, context in
            let body = try await request.decodeJSON(LookupBody.self, context: context)
            let lookup = try await registry.lookup(board: context.parameters.decoded("board"), members: body.members)
            return Response.json(LookupResponseBody(entries: lookup.entries.map(EntryBody.init), missing: lookup.missing))
        }
    }

    private static func range(_ request: Request) throws -> ScoreRange {
        ScoreRange(
            min: try request.scoreBoundQuery("min", default: .negativeInfinity),
            max: try request.scoreBoundQuery("max", default: .positiveInfinity))
    }
}
