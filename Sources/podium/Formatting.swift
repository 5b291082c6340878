import Foundation
import PodiumAPI

/// How values read to people.
enum Formatting {
    /// A score without a needless ".0": 4200, 12.5, 1e+300.
    static func score(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func percentile(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    /// Entries as a table: rank, member, score, shared rank, percentile, and metadata when
    /// any entry has some.
    static func entries(_ entries: [EntryBody]) -> TableOutput {
        let withMetadata = entries.contains { $0.metadata != nil }
        var table = TableOutput(
            [.number("RANK"), .text("MEMBER"), .number("SCORE"), .number("SHARED"), .number("PERCENTILE")]
                + (withMetadata ? [.text("METADATA")] : []))
        for entry in entries {
            table.append(
                [String(entry.rank), entry.member, score(entry.score), String(entry.sharedRank), percentile(entry.percentile)]
                    + (withMetadata ? [entry.metadata.map(json) ?? "-"] : []))
        }
        return table
    }

    /// A JSON value as compact text, keys sorted.
    static func json(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    /// `name value` pairs, names padded to one width.
    static func fields(_ pairs: [(String, String)]) -> [String] {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { name, value in name + String(repeating: " ", count: width - name.count) + "  " + value }
    }
}
