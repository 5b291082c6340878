// Shared by the `submission` and `query` fuzz targets: runs PodiumHTTP's request decoders
// (compiled with the stand-in Hummingbird of ops/fuzz/shims) to their end.

import Dispatch
import Hummingbird
@testable import PodiumHTTP

struct FuzzContext: RequestContext {
    var maxUploadSize: Int { 1 << 20 }
}

final class ResultBox<Value>: @unchecked Sendable {
    var result: Result<Value, any Error>?
}

/// `Request.decodeJSON` (async: it collects the body) on `bytes`, waited for.
func decodeJSON<Body: Decodable & Sendable>(_ type: Body.Type, _ bytes: [UInt8]) -> Result<Body, any Error> {
    let box = ResultBox<Body>()
    let done = DispatchSemaphore(value: 0)
    let request = Request(query: nil, body: bytes)
    Task {
        do {
            box.result = .success(try await request.decodeJSON(Body.self, context: FuzzContext()))
        } catch {
            box.result = .failure(error)
        }
        done.signal()
    }
    done.wait()
    guard let result = box.result else { fail("decodeJSON did not finish") }
    return result
}

/// Every error a client's request causes is a 400 problem: nothing else reaches the client.
func expectBadRequest(_ error: any Error, _ what: String) {
    guard let problem = error as? Problem else { fail("\(what) threw \(error), not a Problem") }
    check(problem.status == .badRequest && !problem.code.isEmpty, "\(what): \(problem)")
}
