import PodiumTestSupport
import Synchronization
import Testing

/// The test servers themselves: a test never talks to another test's redis-server.
@Suite(.enabled(if: RedisServerProcess.isAvailable, "needs redis-server"))
struct RedisServerProcessTests {
    final class Calls: Sendable {
        let count = Atomic<Int>(0)
    }

    /// A port found free can be taken before redis-server binds it (by another test's
    /// server, chosen at the same moment): the server that cannot bind exits, and the
    /// port answers all the same. Two tests once shared a server so.
    @Test func aServerWhosePortIsTakenChoosesAnotherInsteadOfUsingTheOtherServer() async throws {
        let first = RedisServerProcess()
        try await first.start()
        let taken = first.port
        let calls = Calls()
        let second = RedisServerProcess(choosingPort: {
            calls.count.add(1, ordering: .relaxed).oldValue == 0 ? taken : ServerProcess.freePort()
        })
        do {
            try await second.start()
            #expect(second.port != taken)
            #expect(calls.count.load(ordering: .relaxed) == 2)
        } catch {
            Issue.record(error)
        }
        await second.shutdown()
        await first.shutdown()
    }
}
