import Foundation
import PodiumAPI
import PodiumEngine
import PodiumService

/// The server's side of the bodies of SPEC section 4: each built from, or read into, the
/// service's types. The bodies themselves are in PodiumAPI, shared with the client.

extension BoardConfigBody {
    var config: BoardConfig {
        get throws(ServiceError) {
            var schedule: ResetSchedule?
            if let reset {
                guard let parsed = reset.schedule else { throw .invalidConfig("reset.at must be HH:MM, from 00:00 to 23:59") }
                schedule = parsed
            }
            return BoardConfig(
                order: order ?? .descending, update: update ?? .best, tieBreak: tieBreak ?? .earliest, maxSize: maxSize,
                playerSubmit: playerSubmit ?? false, minScore: minScore, maxScore: maxScore, reset: schedule)
        }
    }
}

extension SeasonBody {
    init(_ season: SeasonSummary) {
        self.init(id: season.id, from: season.from.map(rfc3339), to: rfc3339(season.to), size: season.size)
    }
}

extension BoardBody {
    init(_ summary: BoardSummary) {
        self.init(
            name: summary.name, order: summary.config.order, update: summary.config.update, tieBreak: summary.config.tieBreak,
            maxSize: summary.config.maxSize, playerSubmit: summary.config.playerSubmit,
            minScore: summary.config.minScore, maxScore: summary.config.maxScore, reset: summary.config.reset.map(ResetBody.init),
            nextReset: summary.nextReset.map(rfc3339), size: summary.size, seq: summary.seq)
    }
}

extension EntryBody {
    init(_ entry: Entry) {
        self.init(member: entry.member, score: entry.score, rank: entry.rank, sharedRank: entry.sharedRank, percentile: entry.percentile)
        metadataJSON = entry.metadata
    }
}

extension PageBody {
    init(_ page: Page) {
        self.init(entries: page.entries.map(EntryBody.init), total: page.total)
    }
}

extension SubmitBody {
    var submission: ScoreSubmission {
        get throws(ServiceError) { ScoreSubmission(member: member, score: score, policy: update, metadata: try storedMetadata(metadata)) }
    }
}

extension BatchBody {
    /// Its entries' submissions; the first entry whose metadata is not an object fails them all.
    var submissions: [ScoreSubmission] {
        get throws(ServiceError) { try entries.map { (entry) throws(ServiceError) in try entry.submission } }
    }
}

/// Metadata as stored: a JSON object as compact text, keys sorted; nil (or null) for none.
func storedMetadata(_ value: JSONValue?) throws(ServiceError) -> [UInt8]? {
    guard let value, value != .null else { return nil }
    guard case .object = value else { throw .invalidMetadata }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let text = try? encoder.encode(value) else { throw .invalidMetadata }
    return Array(text)
}

extension SubmitResultBody {
    init(_ result: SubmitResult) {
        self.init(
            member: result.member, score: result.entry?.score, rank: result.entry?.rank, sharedRank: result.entry?.sharedRank,
            percentile: result.entry?.percentile, previousScore: result.previousScore, previousRank: result.previousRank,
            changed: result.changed, evicted: result.evicted?.member)
        metadataJSON = result.entry?.metadata
    }
}

extension BatchResponseBody {
    /// A batch's results, each entry's or its problem.
    init(_ results: [Result<SubmitResult, ServiceError>]) {
        self.init(results: results.map { result in
            switch result {
            case let .success(result): BatchResultBody(result: SubmitResultBody(result), error: nil)
            case let .failure(error): BatchResultBody(result: nil, error: Problem(error).body)
            }
        })
    }
}
