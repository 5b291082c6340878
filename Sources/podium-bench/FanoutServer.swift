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

// MARK: - The server

/// podiumd's REST API, as far as the benchmark uses it.
struct API: Sendable {
    let client: HTTPClient
    let base: String
    let key: String
    let board: String

    /// `changed` with the best rank the change touched (before or after), which decides
    /// whether `top=N` subscribers see it.
    enum Outcome { case changed(bestRank: Int?), unchanged, failed(String) }

    func submit(member: String, score: Double) async -> Outcome {
        var request = HTTPClientRequest(url: "\(base)/v1/boards/\(board)/scores")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"member":"\#(member)","score":\#(score.description)}"#))
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 16)
            guard response.status == .ok else { return .failed("HTTP \(response.status.code): \(String(buffer: body).prefix(200))") }
            let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
            if (object["changed"] as? NSNumber)?.boolValue == false { return .unchanged }
            let ranks = [object["rank"], object["previous_rank"]].compactMap { ($0 as? NSNumber)?.intValue }
            return .changed(bestRank: ranks.min())
        } catch {
            return .failed("\(error)")
        }
    }

    struct EventStats {
        var published: Int
        var dropped: Int
        var subscribers: [String: Int]
        var closes: [String: Int]
    }

    func stats() async throws -> EventStats {
        var request = HTTPClientRequest(url: "\(base)/v1/admin/stats")
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 24)
        guard response.status == .ok else {
            throw ValidationError("GET /v1/admin/stats: HTTP \(response.status.code): \(String(buffer: body).prefix(300))")
        }
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        let events = object?["events"] as? [String: Any] ?? [:]
        return EventStats(
            published: (events["published"] as? NSNumber)?.intValue ?? 0, dropped: (events["dropped"] as? NSNumber)?.intValue ?? 0,
            subscribers: (events["subscribers"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue },
            closes: (events["closes"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue })
    }
}

/// The server process's CPU time and resident memory, from /proc.
struct ServerProcessStats: Sendable {
    let pid: Int32

    /// utime + stime, in seconds.
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmRSS, in bytes.
    func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kib = Int(parts[1]) { return kib * 1024 }
        }
        return nil
    }
}

/// This process's user + system CPU seconds.
func ownCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Raises the soft limit of open files to the hard limit; returns the soft limit now.
func raiseOpenFileLimit() -> Int {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        _ = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
    return Int(limit.rlim_cur)
}

/// Progress lines on stderr.
struct Progress: Sendable {
    let quiet: Bool
    func say(_ text: String) {
        FileHandle.standardError.write(Data("fanout: \(text)\n".utf8))
    }
}
