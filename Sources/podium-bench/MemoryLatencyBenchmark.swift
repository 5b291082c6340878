import ArgumentParser
import PodiumEngine

/// `podium-bench memory-latency`: what one cache miss costs on this machine, the unit the
/// engine's times at 1M members are made of (BENCHMARKS.md counts an operation's
/// dependent misses against it).
///
/// Each size is a buffer of 64-byte lines linked in one random cycle (Sattolo's
/// shuffle), walked by loads that each need the one before: no two misses overlap, and
/// the hardware prefetchers cannot guess the next line.
struct MemoryLatencyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory-latency",
        abstract: "Nanoseconds per dependent load over buffers of growing size (a pointer chase)."
    )

    @Option(help: "Buffer sizes in MiB (comma-separated), each allocated in turn.") var mebibytes = "1,4,8,16,32,64,256"
    @Option(help: "Dependent loads timed per size.") var loads = 20_000_000
    @Flag(help: "One JSON object per line instead of a table.") var json = false

    mutating func run() throws {
        let sizes = mebibytes.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 && $0 <= 4096 }) else {
            throw ValidationError("--mebibytes needs whole numbers from 1 to 4096, e.g. 1,8,64")
        }
        guard loads > 0 else { throw ValidationError("--loads must be positive") }
        if !json { print("memory latency, \(loads) dependent loads per size\n" + "     MiB   ns/load") }
        for size in sizes {
            let nanoseconds = Self.nanosecondsPerLoad(lines: size << 20 / Self.lineBytes, loads: loads)
            let shown = (nanoseconds * 10).rounded() / 10
            print(json ? #"{"op": "memory-latency", "mebibytes": \#(size), "ns_per_load": \#(shown)}"#
                : String(repeating: " ", count: max(0, 8 - "\(size)".count)) + "\(size)" + "    \(shown)")
        }
    }

    static let lineBytes = 64
    private static let wordsPerLine = lineBytes / MemoryLayout<Int>.stride

    /// The mean time of `loads` dependent loads through `lines` cache lines in one random
    /// cycle. O(lines + loads).
    static func nanosecondsPerLoad(lines: Int, loads: Int) -> Double {
        // Sattolo's shuffle: a permutation that is a single cycle through every line.
        var order = Array(0..<lines)
        var random = SplitMix64(seed: 0x5EED)
        for index in stride(from: lines - 1, to: 0, by: -1) {
            order.swapAt(index, Int(random.next() % UInt64(index)))
        }
        // Line `l`'s first word holds the word index of the line after it in the cycle.
        var next = [Int](repeating: 0, count: lines * wordsPerLine)
        for line in 0..<lines { next[line * wordsPerLine] = order[line] * wordsPerLine }
        return next.withUnsafeBufferPointer { words in
            var position = 0
            for _ in 0..<min(loads, lines) { position = words[position] }  // warm the TLB and caches once
            let start = ContinuousClock.now
            for _ in 0..<loads { position = words[position] }
            let elapsed = ContinuousClock.now - start
            if position == -1 { print("") }  // keeps the chase from being optimised away
            let (seconds, attoseconds) = elapsed.components
            return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(loads)
        }
    }
}
