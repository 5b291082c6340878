import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The web console's files (HTML, CSS, JavaScript), read once at start-up from the
/// `Console` resources shipped beside the executable.
public struct ConsoleFiles: Sendable {
    struct File: Sendable {
        var bytes: [UInt8]
        var contentType: String
        /// A strong validator of the bytes: clients revalidate (`no-cache`) and get 304.
        var eTag: String
    }

    let files: [String: File]

    /// The console shipped with this build, or `nil` when its resources are not where
    /// SwiftPM puts them (next to the executable, `Podium_PodiumHTTP.resources`).
    public static func bundled() -> ConsoleFiles? {
        let bundleName = "Podium_PodiumHTTP.resources"
        var places = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL { places.append(executable.deletingLastPathComponent()) }
        for place in places {
            if let files = ConsoleFiles(directory: place.appendingPathComponent(bundleName).appendingPathComponent("Console")) {
                return files
            }
        }
        return nil
    }

    /// The console in `directory`; `nil` without an index.html there.
    init?(directory: URL) {
        let types = ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"]
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path), names.contains("index.html") else { return nil }
        var files: [String: File] = [:]
        for name in names {
            guard let type = types[(name as NSString).pathExtension],
                let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path)
            else { continue }
            let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
            files[name] = File(bytes: Array(data), contentType: type, eTag: "\"\(digest)\"")
        }
        self.files = files
    }
}

/// `GET /console/` and its files, without credentials: the page signs in with a token the
/// user types, and gets nothing that token could not get from the API. Served with a
/// Content-Security-Policy that allows only this origin's own scripts, styles and calls.
struct ConsoleRoutes {
    let console: ConsoleFiles

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
        .xFrameOptions: "DENY",
        .cacheControl: "no-cache",
    ]

    func register(on routes: some RouterMethods<PodiumRequestContext>) {
        routes.get("console") { request, _ in try serve("index.html", request) }
        routes.get("console/:file") { request, context in
            try serve(context.parameters.get("file") ?? "", request)
        }
    }

    private func serve(_ name: String, _ request: Request) throws -> Response {
        guard let file = console.files[name] else {
            throw Problem(.notFound, code: "not_found", detail: "no console file named '\(name)'")
        }
        var headers = Self.securityHeaders
        headers[.eTag] = file.eTag
        if request.headers[.ifNoneMatch]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == file.eTag }) == true {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = file.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}

extension HTTPField.Name {
    // Registered names that HTTPTypes has no constant for; both literals are valid tokens.
    static let referrerPolicy = Self("Referrer-Policy") ?? .cacheControl
    static let xFrameOptions = Self("X-Frame-Options") ?? .cacheControl
}
