import AsyncHTTPClient
import Foundation
import NIOCore

extension PodiumClient {
    /// Downloads a backup (`GET /v1/admin/backup`, admin) into the file at `path`, created
    /// (or emptied) with mode 0600 and fsynced before this returns; returns its size.
    /// `progress` is called with the bytes received so far and the total. A download cut
    /// short (fewer bytes than announced) is ``PodiumError/connection(_:)``; the file then
    /// holds what arrived. Verifying the file is up to the caller (`podium backup` does).
    public func downloadBackup(to path: String, progress: (_ received: Int, _ total: Int?) -> Void = { _, _ in }) async throws(PodiumError)
        -> Int
    {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(prepared("GET", "/v1/admin/backup", accept: "application/octet-stream"), deadline: .distantFuture)
        } catch {
            throw .connection(describe(error))
        }
        guard response.status.code == 200 else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { Array(buffer: $0) } ?? []
            throw Self.failure(status: Int(response.status.code), body: body)
        }
        let total = response.headers.first(name: "Content-Length").flatMap(Int.init)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw .invalidRequest("cannot create '\(path)': \(String(cString: strerror(errno)))") }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var received = 0
        do {
            progress(0, total)
            for try await chunk in response.body {
                try file.write(contentsOf: Data(chunk.readableBytesView))
                received += chunk.readableBytes
                progress(received, total)
            }
            try file.synchronize()
        } catch {
            throw .connection(describe(error))
        }
        if let total, received != total {
            throw .connection("\(url): the backup ended after \(received) of \(total) bytes")
        }
        return received
    }
}
