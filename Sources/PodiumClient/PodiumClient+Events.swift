import AsyncHTTPClient
import Foundation
import NIOCore
import PodiumAPI

/// One message of a board's event stream: the decoded message, and its JSON as the
/// server wrote it (what `podium tail --json` prints).
public struct PodiumEvent: Sendable, Equatable {
    public var message: EventMessage
    public var json: String
}

extension PodiumClient {
    /// Subscribes to `board`'s changes over Server-Sent Events. Returns once the server
    /// has answered, so the subscription is in place: every change acknowledged after this
    /// returns is in the stream. Filters (their union when combined): changes touching
    /// ranks 1...`top`; changes of `members` (and `overtaken` when one is passed).
    /// `since`: resume after that seq, from the board's history.
    ///
    /// The stream ends after `board_dropped`, when the server closes it (shutdown, a
    /// subscriber that stays too far behind) or fails with a ``PodiumError``. Ending the
    /// iteration (or cancelling its task) closes the connection.
    public func events(board: String, top: Int? = nil, members: [String] = [], since: UInt64? = nil) async throws(PodiumError)
        -> AsyncThrowingStream<PodiumEvent, any Error>
    {
        var target = "/v1/boards/\(board.pathSegment)/events"
        // The member list is split at its commas as sent, so each id is encoded on its own
        // (a comma inside one is %2C).
        var query = members.isEmpty ? [] : ["members=" + members.map(PercentEncoding.encode).joined(separator: ",")]
        if let top { query.append("top=\(top)") }
        if let since { query.append("since=\(since)") }
        if !query.isEmpty { target += "?" + query.joined(separator: "&") }

        let response: HTTPClientResponse
        do {
            response = try await http.execute(prepared("GET", target, accept: "text/event-stream"), deadline: .distantFuture)
        } catch {
            throw .connection(describe(error))
        }
        guard response.status.code == 200 else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { Array(buffer: $0) } ?? []
            throw Self.failure(status: Int(response.status.code), body: body)
        }
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: PodiumEvent.self)
        let url = self.url
        let reader = Task {
            var parser = ServerSentEventParser()
            do {
                for try await chunk in response.body {
                    for event in parser.feed(chunk.readableBytesView) {
                        continuation.yield(try Self.decode(event))
                    }
                }
                continuation.finish()
            } catch let error as PodiumError {
                continuation.finish(throwing: error)
            } catch {
                continuation.finish(throwing: PodiumError.connection("\(url): \(error)"))
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return stream
    }

    private static func decode(_ event: ServerSentEvent) throws(PodiumError) -> PodiumEvent {
        do {
            return PodiumEvent(message: try JSONDecoder().decode(EventMessage.self, from: Data(event.data.utf8)), json: event.data)
        } catch {
            throw .invalidResponse("an event that is not a Podium event message: \(event.data.prefix(200))")
        }
    }
}
