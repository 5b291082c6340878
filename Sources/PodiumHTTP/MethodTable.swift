import Hummingbird

/// Routes registered through it are recorded with their methods, so that
/// `answerOtherMethods()` can give every known path 405 with `Allow` for the methods it
/// does not serve (RFC 9110 15.5.6) and 204 with `Allow` to OPTIONS, instead of Hummingbird's
/// 404. Registration happens once, at start-up, before the server runs.
final class MethodTable<Context: RequestContext>: RouterMethods {
    private let group: RouterGroup<Context>
    private let paths: Paths

    /// Paths in registration order, with the methods each serves.
    final class Paths {
        var methods: [(path: RouterPath, methods: [HTTPRequest.Method])] = []
    }

    init(_ group: RouterGroup<Context>, paths: Paths = Paths()) {
        self.group = group
        self.paths = paths
    }

    @discardableResult
    func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == Context {
        if let index = paths.methods.firstIndex(where: { $0.path == path }) {
            paths.methods[index].methods.append(method)
        } else {
            paths.methods.append((path, [method]))
        }
        group.on(path, method: method, responder: responder)
        return self
    }

    /// A table for routes behind `middleware`, recording into this one. (A group's own
    /// `add(middleware:)` would put it in front of every route of the group, earlier ones too.)
    func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        Self(group.group().add(middleware: middleware), paths: paths)
    }

    /// The methods a client may send to a known path by mistake; HEAD is left to the
    /// router's generated HEAD endpoints.
    private static var probedMethods: [HTTPRequest.Method] {
        [.get, .put, .post, .delete, .patch, .trace, .connect, HTTPRequest.Method("QUERY")].compactMap { $0 }
    }

    /// Registers 405 (and OPTIONS) for every recorded path; call after the last route.
    func answerOtherMethods() {
        for (path, methods) in paths.methods {
            let allow = (methods + [.options]).map(\.rawValue).joined(separator: ", ")
            group.on(path, method: .options) { _, _ in Response(status: .noContent, headers: [.allow: allow]) }
            for method in Self.probedMethods where !methods.contains(method) {
                group.on(path, method: method) { _, _ -> Response in
                    throw Problem(.methodNotAllowed, code: "method_not_allowed", detail: "this path allows \(allow)", headers: [.allow: allow])
                }
            }
        }
    }
}
