import ArgumentParser

@main
struct PodiumBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podium-bench",
        abstract: "Podium benchmarks: latency percentiles (HdrHistogram) and memory.",
        subcommands: [EngineBenchmark.self]
    )
}
