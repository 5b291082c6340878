import Foundation
import PodiumTestSupport
import Testing

/// The `podium` binary as operators run it, against a live podiumd over TLS.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PodiumCLITests {
    static func withServer(_ body: (ServerProcess) async throws -> Void) async throws {
        let server = ServerProcess(fsync: "always")
        try await server.start()
        do {
            try await body(server)
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test func everyCommandPrintsATableAndTheAPIsJSON() async throws {
        try await Self.withServer { server in
            func podium(_ arguments: String...) async throws -> PodiumRun {
                let run = try await PodiumRun.run(arguments, server: server)
                #expect(!run.stdout.utf8.contains(0x1B) && !run.stderr.utf8.contains(0x1B), "ESC in the output of \(arguments)")
                return run
            }
            let created = try await podium("boards", "create", "weekly", "--order", "desc", "--update", "best", "--max-size", "10")
            #expect(created.status == 0 && created.stdout.contains("created board 'weekly'") && created.stdout.contains("max_size       10"))
            #expect(try await podium("boards", "create", "weekly", "--max-size", "10", "--json").json()["size"] as? Int == 0)

            let submitted = try await podium("submit", "weekly", "ann", "4200")
            #expect(submitted.status == 0 && submitted.stdout == "ann: 4200, rank 1 (shared 1, percentile 0.0); new\n")
            #expect(try await podium("submit", "weekly", "José", "3900.5", "--json").json()["rank"] as? Int == 2)
            #expect(try await podium("submit", "weekly", "a b/c", "10", "--update", "incr").status == 0)

            let top = try await podium("top", "weekly")
            #expect(top.status == 0)
            #expect(
                top.stdout == """
                    RANK  MEMBER   SCORE  SHARED  PERCENTILE
                       1  ann       4200       1        66.7
                       2  José    3900.5       2        33.3
                       3  a b/c       10       3         0.0
                    ranks 1-3 of 3

                    """)
            let topJSON = try await podium("top", "weekly", "--offset", "1", "--limit", "1", "--json").json()
            #expect((topJSON["entries"] as? [[String: Any]])?.first?["member"] as? String == "José" && topJSON["total"] as? Int == 3)

            let rank = try await podium("rank", "weekly", "José")
            #expect(rank.stdout.contains("José") && rank.stdout.contains("33.3"))
            #expect(try await podium("rank", "weekly", "a b/c", "--json").json()["shared_rank"] as? Int == 3)
            let around = try await podium("around", "weekly", "José", "--radius", "1", "--json").json()
            #expect((around["entries"] as? [Any])?.count == 3)
            #expect(try await podium("around", "weekly", "ann", "--radius", "1").stdout.split(separator: "\n").count == 3)
            #expect(try await podium("count", "weekly", "--min", "(10").stdout == "2\n")
            #expect(try await podium("count", "weekly", "--json").json()["count"] as? Int == 3)

            let boards = try await podium("boards", "list")
            #expect(boards.stdout.hasPrefix("NAME    ORDER  UPDATE  TIE-BREAK  MAX-SIZE  PLAYER-SUBMIT  SIZE\nweekly  desc   best    earliest         10  no                3"))
            #expect((try await podium("boards", "list", "--json").json()["boards"] as? [Any])?.count == 1)
            #expect(try await podium("boards", "show", "weekly").stdout.contains("size           3"))
            #expect(try await podium("boards", "show", "weekly", "--json").json()["tie_break"] as? String == "earliest")

            let key = try await podium("keys", "create", "ci", "--role", "server", "--json").json()
            #expect(key["role"] as? String == "server" && (key["key"] as? String)?.hasPrefix("pdk_") == true)
            #expect(try await podium("keys", "list").stdout.contains("ci         server"))
            #expect((try await podium("keys", "list", "--json").json()["keys"] as? [Any])?.count == 2)
            let session = try await podium("sessions", "create", "ann", "--ttl", "60", "--json").json()
            let sessionID = try #require(session["session_id"] as? String)
            #expect(try await podium("sessions", "create", "bob", "--ttl", "60").stdout.contains("pds_"))
            #expect(try await podium("sessions", "revoke", sessionID).stdout == "revoked session '\(sessionID)'\n")
            let other = try #require(try await podium("sessions", "create", "bob", "--ttl", "60", "--json").json()["session_id"] as? String)
            #expect(try await podium("sessions", "revoke", other, "--json").json() as? [String: String] == ["revoked": other])
            #expect(try await podium("keys", "revoke", "ci").stdout == "revoked key 'ci'\n")
            #expect(try await podium("keys", "create", "ops", "--role", "admin").status == 0)
            #expect(try await podium("keys", "revoke", "ops", "--json").json() as? [String: String] == ["revoked": "ops"])

            #expect(try await podium("snapshot").stdout.hasPrefix("snapshot written: snapshot-"))
            #expect((try await podium("snapshot", "--json").json()["file"] as? String)?.hasPrefix("snapshot-") == true)
            #expect((try await podium("compact", "--json").json()["bytes"] as? Int ?? 0) > 0)
            #expect(try await podium("stats").stdout.range(of: #"(?m)^members +3$"#, options: .regularExpression) != nil)
            #expect(try await podium("stats", "--json").json()["boards"] as? Int == 1)
            // The global options go before the command as well as after it.
            #expect(try await podium("--json", "stats").json()["members"] as? Int == 3)

            #expect(try await podium("remove", "weekly", "a b/c").stdout == "removed 'a b/c' from 'weekly'\n")
            #expect(try await podium("remove", "weekly", "José", "--json").json() as? [String: String] == ["removed": "José", "board": "weekly"])
            #expect(try await podium("boards", "create", "old").status == 0)
            #expect(try await podium("boards", "delete", "old").stdout == "dropped board 'old'\n")
            #expect(try await podium("boards", "delete", "weekly", "--json").json() as? [String: String] == ["dropped": "weekly"])
            #expect(try await podium("boards", "list", "--json").stdout == "{\"boards\":[]}\n")
        }
    }

    @Test func exitCodesSayWhoSaidNo() async throws {
        try await Self.withServer { server in
            let missing = try await PodiumRun.run(["top", "nope"], server: server)
            #expect(missing.status == 1 && missing.stderr == "error: board_not_found: no board named 'nope'\n" && missing.stdout.isEmpty)
            let badKey = try await PodiumRun.run(["boards", "list"], server: server, environment: ["PODIUM_KEY": "pdk_wrong"])
            #expect(badKey.status == 1 && badKey.stderr.hasPrefix("error: unauthorized: "))
            let invalid = try await PodiumRun.run(["boards", "create", "bad name"], server: server)
            #expect(invalid.status == 1 && invalid.stderr.hasPrefix("error: invalid_board_name: "))

            #expect(try await PodiumRun.run(["top"], server: server).status == 2)
            #expect(try await PodiumRun.run(["submit", "b", "m", "not-a-number"], server: server).status == 2)
            #expect(try await PodiumRun.run(["submit", "b", "m", "nan"], server: server).status == 2)
            #expect(try await PodiumRun.run(["frobnicate"], server: server).status == 2)
            let unreachable = try await PodiumRun.run(["boards", "list", "--url", "https://127.0.0.1:1"], server: server)
            #expect(unreachable.status == 2 && unreachable.stderr.hasPrefix("error: connection failed: https://127.0.0.1:1"))
            let unusable = ["PODIUM_URL": "not a url"]
            #expect(try await PodiumRun.run(["boards", "list"], server: server, environment: unusable).status == 2)
            // --url before the command overrides PODIUM_URL as after it does.
            let before = try await PodiumRun.run(["--url", "https://127.0.0.1:\(server.port)", "boards", "list"], server: server, environment: unusable)
            #expect(before.status == 0, "\(before.stderr)")
            let untrusted = try await PodiumRun.run(["boards", "list"], server: server, environment: ["PODIUM_CACERT": ""])
            #expect(untrusted.status == 2, "\(untrusted.stderr)")

            let help = try await PodiumRun.run(["top", "--help"], server: server)
            #expect(help.status == 0 && help.stdout.contains("podium top weekly --offset 100 --limit 50"))
            #expect(try await PodiumRun.run(["boards", "list"], server: server, environment: ["NO_COLOR": "1"]).stdout.utf8.contains(0x1B) == false)
        }
    }

    /// util-linux `script`, which runs a command on a pseudo-terminal, if on PATH.
    static let script = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .map { $0 + "/script" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// On a terminal a table's header is bold; with NO_COLOR it is plain (in a pipe too,
    /// as every other test checks).
    @Test(.enabled(if: script != nil, "needs util-linux script (a pseudo-terminal) on PATH"))
    func colourOnATerminalUnlessNoColor() async throws {
        try await Self.withServer { server in
            func onATerminal(_ environment: [String: String]) async throws -> String {
                let command = "'\(PodiumRun.executable.path)' boards list"
                let run = try await ChildProcess.run(
                    Self.script ?? "script", ["-qec", command, "/dev/null"],
                    environment: PodiumRun.environment(server: server, adding: environment.merging(["TERM": "xterm"]) { $1 }),
                    directory: FileManager.default.temporaryDirectory.path)
                #expect(run.ending.status == 0, "\(run.output)\(run.error)")
                return run.output
            }
            let coloured = try await onATerminal([:])
            #expect(coloured.hasPrefix("\u{1B}[1mNAME "), "\(coloured.debugDescription)")
            let plain = try await onATerminal(["NO_COLOR": "1"])
            #expect(plain.hasPrefix("NAME ") && !plain.utf8.contains(0x1B), "\(plain.debugDescription)")
        }
    }

    @Test func withNoSettingsItUsesWhatPodiumdLeavesInPodiumData() async throws {
        try await Self.withServer { server in
            let directory = server.dataDir + "-cwd"
            try FileManager.default.createDirectory(atPath: directory + "/podium-data/tls", withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try FileManager.default.copyItem(atPath: server.dataDir + "/tls/ca.pem", toPath: directory + "/podium-data/tls/ca.pem")
            try Data((ServerProcess.adminKey + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/podium-data/admin.key"))
            // The URL still has to name the test's port; key and CA come from ./podium-data.
            let run = try await PodiumRun.run(
                ["boards", "list", "--url", "https://127.0.0.1:\(server.port)"], directory: directory)
            #expect(run.status == 0, "\(run.stderr)")
        }
    }

    @Test func helpShowsExamplesAndShellCompletionsAreGenerated() async throws {
        let help = try await PodiumRun.run(["help", "submit"])
        #expect(help.status == 0 && help.stdout.contains("podium submit "))
        for (group, example) in [("boards", "podium boards create weekly"), ("keys", "podium keys create game-backend"), ("sessions", "podium sessions create ann")] {
            let groupHelp = try await PodiumRun.run([group, "--help"])
            #expect(groupHelp.status == 0 && groupHelp.stdout.contains(example), "\(group)")
        }
        for shell in ["bash", "zsh", "fish"] {
            let script = try await PodiumRun.run(["--generate-completion-script", shell])
            #expect(script.status == 0 && script.stdout.contains("podium") && script.stdout.contains("tail"), "\(shell)")
        }
    }

    @Test func tailPrintsEventsAsWritesLand() async throws {
        try await Self.withServer { server in
            #expect(try await PodiumRun.run(["boards", "create", "live"], server: server).status == 0)
            let json = try await BackgroundPodium(["tail", "live", "--json"], server: server)
            let human = try await BackgroundPodium(["tail", "live"], server: server)
            defer {
                json.stop()
                human.stop()
            }
            try await Self.waitForSubscribers(server, board: "live", count: 2)
            _ = try await server.request("POST", "/v1/boards/live/scores", body: #"{"member":"José","score":42}"#)
            _ = try await server.request("POST", "/v1/boards/live/scores", body: #"{"member":"bob","score":50}"#)
            _ = try await server.request("DELETE", "/v1/boards/live/members/Jos%C3%A9")
            let lines = try await json.waitForLines(3)
            let events = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            #expect(events.map { $0["type"] as? String } == ["score_changed", "score_changed", "member_removed"])
            #expect(events.map { $0["seq"] as? Int } == [1, 2, 3] && events.first?["member"] as? String == "José")
            #expect(
                try await human.waitForLines(3) == [
                    "#1 score_changed José 42 rank 1 (new)", "#2 score_changed bob 50 rank 1 (new)",
                    "#3 member_removed José (removed; was 42 at rank 2)",
                ])
            _ = try await server.request("POST", "/v1/boards/live/reset")
            let reset = try await human.waitForLines(4).last ?? ""
            #expect(reset.hasPrefix("#4 board_reset live: the season is now live@") && reset.hasSuffix(", the board starts empty"), "\(reset)")
        }
    }

    @Test func metadataIsSubmittedAndShown() async throws {
        try await Self.withServer { server in
            #expect(try await PodiumRun.run(["boards", "create", "b"], server: server).status == 0)
            let submitted = try await PodiumRun.run(["submit", "b", "Zoë 🚀", "5", "--metadata", #"{"name": "Zoë", "country": "NO"}"#], server: server)
            #expect(submitted.status == 0 && submitted.stdout.contains(#"metadata {"country":"NO","name":"Zoë"}"#), "\(submitted.stdout)")
            #expect(try await PodiumRun.run(["submit", "b", "bob", "3"], server: server).status == 0)
            let top = try await PodiumRun.run(["top", "b"], server: server)
            #expect(top.stdout.contains("METADATA") && top.stdout.contains(#"{"country":"NO","name":"Zoë"}"#), "\(top.stdout)")
            #expect(try await PodiumRun.run(["submit", "b", "x", "1", "--metadata", "[1]"], server: server).status == 2)
            let large = try await PodiumRun.run(["submit", "b", "x", "1", "--metadata", #"{"x": "\#(String(repeating: "y", count: 1100))"}"#], server: server)
            #expect(large.status == 1 && large.stderr.contains("metadata_too_large"), "\(large.stderr)")
        }
    }

    @Test func seasonsAreCreatedListedResetAndRead() async throws {
        try await Self.withServer { server in
            let created = try await PodiumRun.run(
                ["boards", "create", "daily", "--reset", "daily", "--reset-at", "04:00", "--timezone", "Europe/Paris", "--keep", "3"], server: server)
            #expect(created.status == 0 && created.stdout.contains("daily at 04:00 Europe/Paris, keep 3"), "\(created.stdout)\(created.stderr)")
            #expect(try await PodiumRun.run(["submit", "daily", "José ⚽", "7"], server: server).status == 0)
            let reset = try await PodiumRun.run(["seasons", "daily", "--reset", "--json"], server: server)
            let season = try #require(try reset.json()["id"] as? String)
            #expect(try reset.json()["size"] as? Int == 1)
            let listed = try await PodiumRun.run(["seasons", "daily"], server: server)
            #expect(listed.status == 0 && listed.stdout.contains("daily@\(season)"), "\(listed.stdout)")
            let top = try await PodiumRun.run(["top", "daily@\(season)"], server: server)
            #expect(top.status == 0 && top.stdout.contains("José ⚽"), "\(top.stdout)\(top.stderr)")
            let write = try await PodiumRun.run(["submit", "daily@\(season)", "cheat", "1"], server: server)
            #expect(write.status == 1 && write.stderr.contains("season_read_only"), "\(write.stderr)")
            #expect(try await PodiumRun.run(["boards", "create", "x", "--keep", "2"], server: server).status == 2)
            let zone = try await PodiumRun.run(["boards", "create", "x", "--reset", "weekly", "--timezone", "Mars/Olympus"], server: server)
            #expect(zone.status == 1 && zone.stderr.contains("invalid_config"), "\(zone.stderr)")
        }
    }

    static func waitForSubscribers(_ server: ServerProcess, board: String, count: Int) async throws {
        for _ in 0..<250 {
            let stats = try await server.request("GET", "/v1/admin/stats")
            let object = try JSONSerialization.jsonObject(with: Data(stats.body.utf8)) as? [String: Any]
            let subscribers = ((object?["events"] as? [String: Any])?["subscribers"] as? [String: Any])?[board] as? Int ?? 0
            if subscribers == count { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("\(count) subscribers never came")
    }
}
