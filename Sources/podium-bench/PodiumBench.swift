import ArgumentParser

@main
struct PodiumBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podium-bench",
        abstract: "Podium benchmarks: latency percentiles (HdrHistogram) and memory.",
        subcommands: [EngineBenchmark.self, MemoryLatencyBenchmark.self, StorageBenchmark.self, HTTPFloorBenchmark.self, FanoutBenchmark.self]
    )
}
