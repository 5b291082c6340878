import Foundation
import PodiumTestSupport
import Synchronization

/// A plain-HTTP server on 127.0.0.1 that answers its connections in turn with the given
/// problems (a status and a code), one request each, then stops: for answers podiumd
/// cannot be made to give on cue, as 409 snapshot_in_progress.
final class ScriptedServer: Sendable {
    let port: Int
    private let listener: Int32
    private let answered = Atomic<Int>(0)

    /// How many requests it has answered.
    var requests: Int { answered.load(ordering: .acquiring) }

    init(problems: [(status: Int, code: String)]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard listener >= 0, bound, listen(listener, 8) == 0 else {
            close(listener)
            throw TestFailure("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            for problem in problems {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                Self.answer(connection, problem)
                close(connection)
                answered.add(1, ordering: .releasing)
            }
        }
    }

    /// Reads the request's head (the client sends no body) and answers with the problem.
    private static func answer(_ connection: Int32, _ problem: (status: Int, code: String)) {
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !head.suffix(4).elementsEqual("\r\n\r\n".utf8) {
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            head += buffer[0..<count]
        }
        let body = #"{"type":"about:blank","title":"refused","status":\#(problem.status),"code":"\#(problem.code)","detail":"scripted"}"#
        let response = "HTTP/1.1 \(problem.status) Scripted\r\nContent-Type: application/problem+json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        _ = response.utf8CString.withUnsafeBufferPointer { write(connection, $0.baseAddress, $0.count - 1) }
    }

    /// Stops listening; a connection still awaited is not.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
