// podium-storage-writer: a test driver for crash recovery, until podiumd exists.
//
//     podium-storage-writer DATA_DIR [--writers N] [--snapshot-every-ms M]
//
// Recovers DATA_DIR under `--fsync always`, then N concurrent writers submit scores to
// the board "crash" the way the service will (apply to the board and append the effect
// under the board's lock, wait for durability outside it) and print `ack MEMBER SCORE`
// only once the write is durable. Every M ms a snapshot reads the board in chunks
// between writes. It runs until killed: the tests SIGKILL it at random moments.
import Foundation
import PodiumEngine
import PodiumStorage
import Synchronization

func option(_ name: String, default value: Int) -> Int {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count,
        let parsed = Int(CommandLine.arguments[index + 1])
    else { return value }
    return parsed
}

guard CommandLine.arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: podium-storage-writer DATA_DIR [--writers N] [--snapshot-every-ms M]\n".utf8))
    exit(2)
}
let writers = option("--writers", default: 8)
let snapshotInterval = option("--snapshot-every-ms", default: 200)
let boardName = "crash"
let run = UInt32.random(in: 0..<UInt32.max)

let (store, recovered, _) = try DurableStore.open(path: CommandLine.arguments[1], policy: .always)
let board: Mutex<Leaderboard>
if let existing = recovered.boards[boardName] {
    board = Mutex(existing)
} else {
    let config = BoardConfig(update: .set)
    try await store.log.waitUntilDurable(store.log.append(.boardCreated(board: boardName, config: config)))
    board = Mutex(try Leaderboard(config: config))
}

func write(writer: Int, index: Int) async throws {
    let member = "r\(run)-w\(writer)-\(index)"
    let score = Double(index)
    let position = try board.withLock { board in
        let update = try board.submit(member: member, score: score)
        return try store.log.append(.scoreSet(board: boardName, entry: StoredEntry(member: member, score: score, stamp: update.stamp)))
    }
    try await store.log.waitUntilDurable(position)
    FileHandle.standardOutput.write(Data("ack \(member) \(score)\n".utf8))
}

try await withThrowingTaskGroup(of: Void.self) { group in
    for writer in 0..<writers {
        group.addTask {
            var index = 0
            while true {
                try await write(writer: writer, index: index)
                index += 1
            }
        }
    }
    group.addTask {
        while true {
            try await Task.sleep(for: .milliseconds(snapshotInterval))
            _ = try await store.snapshot { snapshot in
                let (config, size) = board.withLock { ($0.config, $0.count) }
                try snapshot.writeBoard(name: boardName, config: config, sizeHint: size) { cursor in
                    let chunk = board.withLock { $0.storedEntries(after: cursor, limit: 500) }
                    return (chunk.entries, [], chunk.next)
                }
            }
        }
    }
    try await group.waitForAll()
}
