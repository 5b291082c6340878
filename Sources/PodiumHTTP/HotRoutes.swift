import HTTPTypes
import NIOCore
import NIOHTTP1
import PodiumAPI
import PodiumService
import Synchronization

/// The routes a game calls most, a score submit, a member's entry and the top of a board,
/// and a game server's batch of scores, answered on the connection's event loop
/// (``HotRouteHandler``) when the boards are embedded: no request task, no router, no
/// middleware chain, and so about half the CPU a request (BENCHMARKS.md). Everything else
/// about them is the routed path's: the same authentication and failure limit, the same
/// decoders, service calls, bodies, problems, headers and route metrics.
///
/// Only what is certain to be answered the same way is answered here. A request this
/// cannot settle alone goes on to the router unchanged, which answers it as it would
/// any other: a credential that is not valid (401, and the failure counted there, once)
/// or that the route does not admit (403: a player's session sending a batch), a client
/// over its failure limit (429), a path or body that needs more than the plain decoders
/// (400s, 413), a query string (but `top`'s plain `offset` and `limit`), `Connection` or
/// `Expect` fields, `HEAD`, HTTP/1.0.
public struct HotRoutes: Sendable {
    let boards: BoardRegistry
    let access: AccessRegistry
    let limiter: AuthFailureLimiter
    let trustedProxies: Set<String>
    let metrics: RouteMetricsCache
    /// Requests answered here since start (`/metrics`: podium_http_hot_route_answers).
    let answered = AnswerCount()

    final class AnswerCount: Sendable {
        let value = Atomic<Int>(0)
    }

    /// A request one of the routes may answer.
    enum Route {
        /// `GET /v1/boards/{board}/members/{member}`.
        case entry(board: String, member: String)
        /// `POST /v1/boards/{board}/scores`.
        case submit(board: String)
        /// `POST /v1/boards/{board}/scores/batch`. Applied on the event loop, which it holds
        /// as the routed path holds a pool thread: ~1.7 us an entry at 1M members (up to
        /// ~2 ms for the largest batch), for ~13% less CPU a batch of 100 than routed.
        case batch(board: String)
        /// `GET /v1/boards/{board}/top`, with `offset` and `limit` (0 and a default page
        /// when absent).
        case top(board: String, offset: Int, limit: Int)

        /// The route's name in the metrics, as Hummingbird names it on the routed path.
        var metricsName: String {
            switch self {
            case .entry: "/v1/boards/{board}/members/{member}"
            case .submit: "/v1/boards/{board}/scores"
            case .batch: "/v1/boards/{board}/scores/batch"
            case .top: "/v1/boards/{board}/top"
            }
        }

        /// Its method, as the metrics name it.
        var method: HTTPRequest.Method {
            switch self {
            case .entry, .top: .get
            case .submit, .batch: .post
            }
        }

        /// Who may call it, as the router's groups have it.
        var audience: Audience {
            switch self {
            case .entry, .top, .submit: .anyone
            case .batch: .servers
            }
        }
    }

    /// One handler per connection; `serverName` is the `Server` field of its answers.
    /// It goes ahead of Hummingbird's conversion of requests to HTTPTypes (``AheadOfHTTPTypes``).
    public func handler(serverName: String) -> any RemovableChannelHandler {
        AheadOfHTTPTypes(HotRouteHandler(routes: self, serverName: serverName))
    }

    /// The route `head` asks for, if it is one of these and plain enough to answer here:
    /// HTTP/1.1, no `Connection` or `Expect` field.
    static func route(_ head: HTTPRequestHead) -> Route? {
        guard head.version == .http1_1, !head.headers.contains(name: "Connection"), !head.headers.contains(name: "Expect") else {
            return nil
        }
        // Read in place, without an array of segments: this runs on every request.
        let path = head.uri.utf8
        guard path.starts(with: "/v1/boards/".utf8) else { return nil }
        let rest = path.dropFirst(11)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")), let board = parameter(rest[..<slash]) else { return nil }
        let tail = rest[rest.index(after: slash)...]
        switch head.method {
        case .GET where tail.starts(with: "members/".utf8):
            let member = tail.dropFirst(8)
            guard !member.contains(UInt8(ascii: "/")) else { return nil }
            return parameter(member).map { .entry(board: board, member: $0) }
        case .POST where tail.elementsEqual("scores".utf8):
            return .submit(board: board)
        case .POST where tail.elementsEqual("scores/batch".utf8):
            return .batch(board: board)
        case .GET where tail.elementsEqual("top".utf8):
            return .top(board: board, offset: 0, limit: BoardRegistry.defaultPage)
        case .GET where tail.starts(with: "top?".utf8):
            return pageQuery(tail.dropFirst(4)).map { .top(board: board, offset: $0.offset, limit: $0.limit) }
        default:
            return nil
        }
    }

    /// `offset` and `limit` of a plain page query: each at most once, as 1 to 9 decimal
    /// digits, nothing else in it. Anything else (other parameters, escapes, signs, a
    /// parameter twice) is the router's to read and answer.
    private static func pageQuery(_ query: Substring.UTF8View) -> (offset: Int, limit: Int)? {
        var offset: Int?, limit: Int?
        for pair in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            let digits = pair[pair.index(after: equals)...]
            guard (1...9).contains(digits.count), digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
                return nil
            }
            let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            switch Substring(pair[..<equals]) {
            case "offset" where offset == nil: offset = value
            case "limit" where limit == nil: limit = value
            default: return nil
            }
        }
        return (offset ?? 0, limit ?? BoardRegistry.defaultPage)
    }

    /// A path segment, percent-decoded; none for an empty one, one with a query, or one
    /// that does not decode (the router answers those).
    private static func parameter(_ segment: Substring.UTF8View) -> String? {
        guard !segment.isEmpty, !segment.contains(UInt8(ascii: "?")) else { return nil }
        return PercentDecoding.decode(Substring(segment))
    }

    /// Who `head` comes from, when its credential is valid; nil when the router must
    /// decide (see the type's comment). Whether the route admits it is the caller's to ask.
    /// `previous`: the connection's last credential found valid, reused when it is the same.
    func credential(head: HTTPRequestHead, peer: String?, reusing previous: AccessRegistry.CheckedToken?) -> AccessRegistry.CheckedToken? {
        let client = CredentialFields.clientAddress(peer: peer, trustedProxies: trustedProxies) {
            let forwarded = head.headers["X-Forwarded-For"]
            return forwarded.isEmpty ? nil : forwarded.joined(separator: ", ")
        }
        guard limiter.retryAfter(client: client) == nil,
            let token = CredentialFields.bearerToken(authorization: head.headers["Authorization"])
        else { return nil }
        return access.authenticate(token: token, reusing: previous)
    }

    /// A member's entry, or the problem the router would answer.
    func entry(board: String, member: String) -> HotAnswer {
        do {
            return .json(EntryBody(try boards.entry(board: board, member: member)))
        } catch {
            return .problem(Problem(error))
        }
    }

    /// A page of the board by rank, or the problem the router would answer.
    func top(board: String, offset: Int, limit: Int) -> HotAnswer {
        do {
            return .json(PageBody(try boards.top(board: board, offset: offset, limit: limit)))
        } catch {
            return .problem(Problem(error))
        }
    }

    /// A submit's body read, checked and applied, or the problem the router would answer,
    /// in the router's order (``ScoreRoutes``); nil when the body needs the router's decoder.
    func submit(board: String, body: ByteBuffer, by principal: Principal) -> Result<PendingWrite<SubmitResult>, Problem>? {
        guard let request = body.withUnsafeReadableBytes({ SubmissionReader.submission($0) }) else { return nil }
        do {
            if case let .session(_, player) = principal {
                guard try boards.board(named: board).config.playerSubmit,
                    BoardRules.isOwnSubmit(member: request.member, update: request.update, player: player)
                else { return .failure(.forbidden) }
            }
            return .success(try boards.beginSubmit(board: board, try request.submission))
        } catch {
            return .failure(Problem(error))
        }
    }

    /// A batch's body read and applied, or the problem the router would answer, as
    /// ``submit(board:body:by:)``; nil when the body needs the router's decoder.
    func batch(board: String, body: ByteBuffer) -> Result<PendingWrite<[Result<SubmitResult, ServiceError>]>, Problem>? {
        guard let request = body.withUnsafeReadableBytes({ SubmissionReader.batch($0) }) else { return nil }
        do {
            return .success(try boards.beginBatch(board: board, try request.submissions))
        } catch {
            return .failure(Problem(error))
        }
    }
}

/// What a hot route answers: a body, or a problem.
enum HotAnswer {
    case json(any JSONWritable)
    case problem(Problem)
}
