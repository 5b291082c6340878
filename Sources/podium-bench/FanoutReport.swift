import ArgumentParser
import AsyncHTTPClient
import Foundation
import Histogram
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PodiumEngine
import Synchronization

// MARK: - Report

struct FanoutReport {
    var members: Int, subscribersAsked: Int, rate: Int, seconds: Int, hot: Int, topShare: Double
    var topUpdates: Double, hotUpdates: Double, moves: String, connectConcurrency: Int, inFlight: Int
    var fdLimit = 0
    var connected = 0, connectFailures = 0, registered = 0, topSubscribers = 0
    var firstConnectError: String?
    var connectSeconds = 0.0, connectP50Ms = 0.0, connectP99Ms = 0.0
    var rssBefore: Int?, rssAfter: Int?, rssEnd: Int?
    var sent = 0, submitErrors = 0, unchanged = 0, expectedScoreChanged = 0, skipped = 0
    var firstSubmitError: String?
    var driveSeconds = 0.0, drainSeconds = 0.0
    var submitP50Ms = 0.0, submitP99Ms = 0.0
    var receivedDrive = 0, received = 0, scoreChanged = 0, matched = 0, overtaken = 0, lagged = 0, laggedEvents = 0, otherMessages = 0
    var deliveryP50Ms = 0.0, deliveryP90Ms = 0.0, deliveryP99Ms = 0.0, deliveryMaxMs = 0.0
    var serverCPUDrive: Double?, serverCPUDriveAndDrain: Double?
    var clientCPU = 0.0
    var startPublished = 0, startDropped = 0, published = 0, dropped = 0
    var serverCloses: [String: Int] = [:]
    var closedByServer = 0, unclosed = 0, subscribersLeft = 0
    /// Why subscriber connections failed or ended early, with how many.
    var endReasons: [String: Int] = [:]
    var closeSeconds = 0.0

    init(options: FanoutBenchmark) {
        members = options.members
        subscribersAsked = options.subscribers
        rate = options.rate
        seconds = options.seconds
        hot = options.hot
        topShare = options.topShare
        topUpdates = options.topUpdates
        moves = options.moves == .climb ? "climb 1-\(options.climbStep)" : "jump"
        hotUpdates = options.hotUpdates
        connectConcurrency = options.connectConcurrency
        inFlight = options.inFlight
    }

    var bytesPerSubscriber: Double? {
        guard let rssBefore, let rssAfter, connected > 0 else { return nil }
        return Double(rssAfter - rssBefore) / Double(connected)
    }
    var achievedRate: Double { driveSeconds > 0 ? Double(sent) / driveSeconds : 0 }
    var messagesPerSecond: Double { driveSeconds > 0 ? Double(receivedDrive) / driveSeconds : 0 }
    var cpuPerMessageMicros: Double? {
        guard let serverCPUDriveAndDrain, received > 0 else { return nil }
        return serverCPUDriveAndDrain / Double(received) * 1e6
    }
    var deliveredShare: Double { expectedScoreChanged > 0 ? Double(matched) / Double(expectedScoreChanged) : 0 }

    var table: String {
        func mib(_ bytes: Int?) -> String { bytes.map { fixed(Double($0) / 1_048_576) + " MiB" } ?? "n/a" }
        func count(_ value: Int) -> String { grouped(value) }
        let memberSubscribers = connected - topSubscribers
        var lines = [
            "fanout: \(count(members)) members, \(count(subscribersAsked)) subscribers asked (\(fixed(topShare * 100, 0))% top=100, "
                + "the rest members= 10 of \(count(hot)) hot), \(rate) updates/s for \(seconds) s "
                + "(\(fixed(topUpdates * 100, 0))% to the top, \(fixed(hotUpdates * 100, 0))% hot, the others \(moves)), open-file limit \(fdLimit)",
            "",
            "| metric | value | target |",
            "|---|---:|---|",
            "| subscribers connected | \(count(connected)) of \(count(subscribersAsked)) (\(count(topSubscribers)) top, \(count(memberSubscribers)) members); server counted \(count(registered)) | |",
            "| connect time (\(connectConcurrency) at a time) | \(fixed(connectSeconds, 2)) s; each p50 \(fixed(connectP50Ms)) ms, p99 \(fixed(connectP99Ms)) ms | |",
            "| server RSS before / after subscribers / at end | \(mib(rssBefore)) / \(mib(rssAfter)) / \(mib(rssEnd)) | |",
            "| RSS per idle subscriber | \(bytesPerSubscriber.map { fixed($0 / 1024) + " KiB" } ?? "n/a") | <= 64 KiB |",
            "| updates sent | \(count(sent)) in \(fixed(driveSeconds, 2)) s = \(fixed(achievedRate)) /s; \(submitErrors) errors, \(unchanged) unchanged, \(count(skipped)) not sent (past the window) | \(rate)/s |",
            "| submit p50 / p99 | \(fixed(submitP50Ms, 2)) / \(fixed(submitP99Ms, 2)) ms | |",
            "| messages delivered (all subscribers) | \(count(received)) (\(count(receivedDrive)) during the updates = \(count(Int(messagesPerSecond)))/s); drain \(fixed(drainSeconds)) s | |",
            "| score_changed received / matched / expected | \(count(scoreChanged)) / \(count(matched)) / \(count(expectedScoreChanged)) (\(fixed(deliveredShare * 100, 2))%) | |",
            "| overtaken received | \(count(overtaken)) | |",
            "| other messages (not an event: no type, e.g. empty keepalive frames) | \(count(otherMessages)) | |",
            "| lagged notices (events missed) | \(count(lagged)) (\(count(laggedEvents))) | |",
            "| delivery latency p50 / p90 / p99 / max | \(fixed(deliveryP50Ms, 2)) / \(fixed(deliveryP90Ms, 2)) / \(fixed(deliveryP99Ms, 2)) / \(fixed(deliveryMaxMs, 2)) ms | p99 <= 50 ms |",
            "| server CPU during the updates | \(serverCPUDrive.map { fixed($0, 2) + " s (" + fixed($0 / max(driveSeconds, 1e-9) * 100, 0) + "% of a core)" } ?? "n/a") | |",
            "| server CPU per delivered message (updates + drain) | \(cpuPerMessageMicros.map { fixed($0, 2) + " µs" } ?? "n/a") | |",
            "| podium-bench CPU (updates + drain) | \(fixed(clientCPU, 2)) s | |",
            "| server events published / messages dropped | \(count(published)) / \(count(dropped)) | |",
            "| streams closed by the server early | \(closedByServer); server closes so far \(serverCloses.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) | |",
            "| closing | \(fixed(closeSeconds, 2)) s, \(unclosed) not closed in time, \(subscribersLeft) left on the server | |",
        ]
        if let firstConnectError { lines.append("\nfirst connect error: \(firstConnectError)") }
        if let firstSubmitError { lines.append("\nfirst submit error: \(firstSubmitError)") }
        for (reason, number) in endReasons.sorted(by: { $0.value > $1.value }).prefix(5) {
            lines.append("\nsubscribers that failed or ended early: \(count(number)): \(reason)")
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        func number(_ value: Double?) -> String { value.map { fixed($0, 3) } ?? "null" }
        func quoted(_ value: String?) -> String {
            guard let value, let data = try? JSONSerialization.data(withJSONObject: [value]), let text = String(data: data, encoding: .utf8)
            else { return "null" }
            return String(text.dropFirst().dropLast())
        }
        let closes = serverCloses.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        let fields: [(String, String)] = [
            ("op", "\"fanout\""), ("members", "\(members)"), ("subscribers", "\(subscribersAsked)"), ("rate", "\(rate)"),
            ("seconds", "\(seconds)"), ("hot", "\(hot)"), ("top_share", number(topShare)), ("top_updates", number(topUpdates)),
            ("hot_updates", number(hotUpdates)), ("moves", "\"\(moves)\""), ("fd_limit", "\(fdLimit)"),
            ("connected", "\(connected)"), ("connect_failures", "\(connectFailures)"), ("registered", "\(registered)"),
            ("top_subscribers", "\(topSubscribers)"), ("connect_s", number(connectSeconds)),
            ("connect_p50_ms", number(connectP50Ms)), ("connect_p99_ms", number(connectP99Ms)),
            ("rss_before_bytes", rssBefore.map(String.init) ?? "null"), ("rss_after_bytes", rssAfter.map(String.init) ?? "null"),
            ("rss_end_bytes", rssEnd.map(String.init) ?? "null"), ("bytes_per_idle_subscriber", number(bytesPerSubscriber)),
            ("updates_sent", "\(sent)"), ("drive_s", number(driveSeconds)), ("updates_per_s", number(achievedRate)),
            ("submit_errors", "\(submitErrors)"), ("not_sent", "\(skipped)"), ("unchanged", "\(unchanged)"),
            ("submit_p50_ms", number(submitP50Ms)), ("submit_p99_ms", number(submitP99Ms)),
            ("messages", "\(received)"), ("messages_during_updates", "\(receivedDrive)"), ("messages_per_s", number(messagesPerSecond)),
            ("drain_s", number(drainSeconds)),
            ("score_changed", "\(scoreChanged)"), ("score_changed_matched", "\(matched)"),
            ("score_changed_expected", "\(expectedScoreChanged)"), ("overtaken", "\(overtaken)"),
            ("lagged", "\(lagged)"), ("lagged_events", "\(laggedEvents)"), ("other_messages", "\(otherMessages)"),
            ("delivery_p50_ms", number(deliveryP50Ms)), ("delivery_p90_ms", number(deliveryP90Ms)),
            ("delivery_p99_ms", number(deliveryP99Ms)), ("delivery_max_ms", number(deliveryMaxMs)),
            ("server_cpu_s", number(serverCPUDrive)), ("server_cpu_with_drain_s", number(serverCPUDriveAndDrain)),
            ("server_cpu_per_message_us", number(cpuPerMessageMicros)), ("bench_cpu_s", number(clientCPU)),
            ("published", "\(published)"), ("dropped", "\(dropped)"), ("server_closes", "{\(closes)}"),
            ("closed_by_server", "\(closedByServer)"), ("unclosed", "\(unclosed)"), ("subscribers_left", "\(subscribersLeft)"),
            ("close_s", number(closeSeconds)),
            ("first_connect_error", quoted(firstConnectError)),
            ("end_reasons", "{" + endReasons.sorted { $0.value > $1.value }.map { "\(quoted($0.key)): \($0.value)" }.joined(separator: ", ") + "}"), ("first_submit_error", quoted(firstSubmitError)),
        ]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}

/// 1234567 as "1,234,567".
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (offset, character) in digits.enumerated() {
        if offset > 0, (digits.count - offset) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return (value < 0 ? "-" : "") + out
}

/// An atomic counter that tasks share.
final class SharedCounter: Sendable {
    let value = Atomic<Int>(0)
}
