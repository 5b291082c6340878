import PodiumTestSupport
import Synchronization

extension ServerProcess {
    /// `writers` concurrent writers submit `PREFIX-wW-I` = I to `board` until a request
    /// fails (the server was killed, say); returns every score the server acknowledged.
    func submitUntilRefused(board: String, prefix: String, writers: Int, counting count: AcknowledgementCount? = nil) async -> [String: Int] {
        await withTaskGroup(of: [String: Int].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var acks: [String: Int] = [:]
                    for index in 0..<100_000 {
                        let member = "\(prefix)-w\(writer)-\(index)"
                        guard let response = try? await self.request(
                            "POST", "/v1/boards/\(board)/scores", body: #"{"member":"\#(member)","score":\#(index)}"#),
                            response.status == 200
                        else { break }
                        acks[member] = index
                        count?.value.add(1, ordering: .relaxed)
                    }
                    return acks
                }
            }
            return await group.reduce(into: [:]) { $0.merge($1) { $1 } }
        }
    }
}

/// A count the writers of a round bump and its killer reads.
final class AcknowledgementCount: Sendable {
    let value = Atomic<Int>(0)

    /// Waits until `deadline`, then until `count` are acknowledged or `patience` more has
    /// passed: a loaded machine acknowledges few writes in a fixed window.
    func wait(until deadline: ContinuousClock.Instant, forAtLeast count: Int, patience: Duration = .seconds(20)) async throws {
        try await Task.sleep(until: deadline)
        let limit = ContinuousClock.now + patience
        while value.load(ordering: .relaxed) < count, ContinuousClock.now < limit {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
