import Foundation
import Hummingbird

extension Response {
    /// `body` as JSON (keys sorted, so responses are stable; `/` left as it is, as
    /// ``JSONWriter`` writes it) with `status`.
    static func json(
        _ body: some Encodable, status: HTTPResponse.Status = .ok, contentType: String = "application/json"
    ) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}
