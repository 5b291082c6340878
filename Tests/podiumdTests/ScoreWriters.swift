import PodiumTestSupport

extension ServerProcess {
    /// `writers` concurrent writers submit `PREFIX-wW-I` = I to `board` until a request
    /// fails (the server was killed, say); returns every score the server acknowledged.
    func submitUntilRefused(board: String, prefix: String, writers: Int) async -> [String: Int] {
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
                    }
                    return acks
                }
            }
            return await group.reduce(into: [:]) { $0.merge($1) { $1 } }
        }
    }
}
