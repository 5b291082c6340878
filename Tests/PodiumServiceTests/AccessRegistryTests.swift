import PodiumEngine
import PodiumStorage
import Testing

@testable import PodiumService

struct AccessRegistryTests {
    @Test func keysAreCreatedListedAndRevokedAndOnlyTheirHashIsKept() async throws {
        let fixture = try RegistryFixture()
        let access = fixture.access
        access.installBootstrapKey(tokenHash: Token.hash("pdk_boot"))
        let (key, secret) = try await access.createKey(name: "game-1", role: .server)
        #expect(secret.hasPrefix("pdk_") && secret.utf8.count == 4 + 43)
        #expect(key == KeySummary(name: "game-1", role: .server, createdAt: fixture.clock.now.load(ordering: .relaxed), isBootstrap: false))
        #expect(access.authenticate(token: secret) == .key(name: "game-1", role: .server))
        #expect(access.authenticate(token: "pdk_boot") == .key(name: "bootstrap", role: .admin))
        #expect(try access.listKeys().map(\.name) == ["bootstrap", "game-1"])
        await #expect(throws: ServiceError.keyExists("game-1")) { try await access.createKey(name: "game-1", role: .admin) }
        await #expect(throws: ServiceError.keyExists("bootstrap")) { try await access.createKey(name: "bootstrap", role: .admin) }
        await #expect(throws: ServiceError.invalidKeyName("a b")) { try await access.createKey(name: "a b", role: .admin) }
        await #expect(throws: ServiceError.keyNotRevocable("bootstrap")) { try await access.revokeKey(name: "bootstrap") }
        #expect(fixture.access.storedCredentials().keys.allSatisfy { $0.tokenHash == Token.hash(secret) })

        try fixture.restart()
        #expect(fixture.access.authenticate(token: secret) == .key(name: "game-1", role: .server))
        try await fixture.access.revokeKey(name: "game-1")
        #expect(fixture.access.authenticate(token: secret) == nil)
        await #expect(throws: ServiceError.keyNotFound("game-1")) { try await fixture.access.revokeKey(name: "game-1") }
        try fixture.restart()
        #expect(fixture.access.authenticate(token: secret) == nil)
        #expect(try fixture.access.listKeys().isEmpty)
    }

    @Test func sessionsExpireRefreshHoldDataAndSurviveRestarts() async throws {
        let fixture = try RegistryFixture()
        let (session, token) = try await fixture.access.createSession(player: "alice", ttlSeconds: 60, data: Array(#"{"lvl":1}"#.utf8))
        #expect(token.hasPrefix("pds_"))
        #expect(fixture.access.authenticate(token: token) == .session(id: session.id, player: "alice"))
        fixture.clock.advance(seconds: 50)
        _ = try await fixture.access.refresh(sessionID: session.id)
        fixture.clock.advance(seconds: 50)
        #expect(fixture.access.authenticate(token: token) != nil, "refreshed 50 s in: lives until 110 s")
        _ = try await fixture.access.replaceData(sessionID: session.id, data: Array(#"{"lvl":2}"#.utf8))

        try fixture.restart()
        #expect(fixture.access.authenticate(token: token) == .session(id: session.id, player: "alice"))
        #expect(try fixture.access.session(id: session.id).data == Array(#"{"lvl":2}"#.utf8))
        fixture.clock.advance(seconds: 11)
        #expect(fixture.access.authenticate(token: token) == nil)
        #expect(throws: ServiceError.sessionNotFound(session.id)) { try fixture.access.session(id: session.id) }

        // Expired while the server was down: it does not come back.
        let (other, otherToken) = try await fixture.access.createSession(player: "bob", ttlSeconds: 5, data: [])
        fixture.clock.advance(seconds: 6)
        try fixture.restart()
        #expect(fixture.access.authenticate(token: otherToken) == nil)
        #expect(fixture.access.counts().sessions == 0)
        _ = other
    }

    /// A connection's kept credential (``AccessRegistry/CheckedToken``) answers as a fresh
    /// check would: for its own token only, and never once a key or session is gone.
    @Test func aKeptCredentialIsReusedOnlyWhileAFreshCheckWouldAgree() async throws {
        let fixture = try RegistryFixture()
        let access = fixture.access
        let (_, secret) = try await access.createKey(name: "game", role: .server)
        let (_, otherSecret) = try await access.createKey(name: "other", role: .server)
        let checked = try #require(access.authenticate(token: secret, reusing: nil))
        #expect(checked.principal == .key(name: "game", role: .server))
        #expect(access.authenticate(token: secret, reusing: checked)?.principal == .key(name: "game", role: .server))
        #expect(access.authenticate(token: otherSecret, reusing: checked)?.principal == .key(name: "other", role: .server))
        #expect(access.authenticate(token: "pdk_wrong", reusing: checked) == nil)
        let (ended, endedToken) = try await access.createSession(player: "Zoë 🎮", ttlSeconds: 600, data: [])
        let (_, shortToken) = try await access.createSession(player: "p/1", ttlSeconds: 10, data: [])
        let endedCheck = try #require(access.authenticate(token: endedToken, reusing: nil))
        #expect(endedCheck.principal == .session(id: ended.id, player: "Zoë 🎮"))
        // A sweep that finds nothing due (podiumd sweeps ten times a second) counts no removal:
        // kept credentials stay good.
        let removals = access.removals.load(ordering: .relaxed)
        #expect(access.sweepExpired(limit: 100) == 0)
        #expect(access.removals.load(ordering: .relaxed) == removals)

        // A removal anywhere: every kept credential is checked again (and still valid).
        try await access.revokeKey(name: "other")
        let again = try #require(access.authenticate(token: secret, reusing: checked))
        #expect(again.principal == .key(name: "game", role: .server))
        try await access.revokeKey(name: "game")
        #expect(access.authenticate(token: secret, reusing: again) == nil)
        try await access.endSession(id: ended.id)
        #expect(access.authenticate(token: endedToken, reusing: endedCheck) == nil)
        let shortCheck = try #require(access.authenticate(token: shortToken, reusing: nil))
        fixture.clock.advance(seconds: 9)
        #expect(access.authenticate(token: shortToken, reusing: shortCheck) != nil)
        fixture.clock.advance(seconds: 1)
        #expect(access.authenticate(token: shortToken, reusing: shortCheck) == nil, "expired, nothing removed")
    }

    @Test func badSessionRequestsAreRefused() async throws {
        let access = try RegistryFixture().access
        await #expect(throws: ServiceError.invalidTTL) { try await access.createSession(player: "p", ttlSeconds: 0, data: []) }
        await #expect(throws: ServiceError.invalidTTL) { try await access.createSession(player: "p", ttlSeconds: 30 * 86_400 + 1, data: []) }
        await #expect(throws: ServiceError.invalidPlayer) { try await access.createSession(player: "", ttlSeconds: 1, data: []) }
        await #expect(throws: ServiceError.sessionDataTooLarge(bytes: 16_385, limit: 16_384)) {
            try await access.createSession(player: "p", ttlSeconds: 1, data: Array(repeating: 0x20, count: 16_385))
        }
        for token in ["", "pds_", "pdk_", "pds_" + String(repeating: "a", count: 43), String(repeating: "x", count: 10_000)] {
            #expect(access.authenticate(token: token) == nil)
        }
    }

    @Test func logoutAndRevocationEndSessionsAndTheSweepRemovesExpiredOnesInBoundedSteps() async throws {
        let fixture = try RegistryFixture()
        let access = fixture.access
        let (mine, myToken) = try await access.createSession(player: "p", ttlSeconds: 100, data: [])
        try await access.endSession(id: mine.id)
        #expect(access.authenticate(token: myToken) == nil)
        await #expect(throws: ServiceError.sessionNotFound(mine.id)) { try await access.endSession(id: mine.id) }

        for index in 0..<250 { _ = try await access.createSession(player: "p\(index)", ttlSeconds: 10 + Int64(index % 5), data: []) }
        let (kept, _) = try await access.createSession(player: "kept", ttlSeconds: 1000, data: [])
        #expect(access.sweepExpired(limit: 100) == 0)
        fixture.clock.advance(seconds: 20)
        #expect(access.sweepExpired(limit: 100) == 100)
        #expect(access.sweepExpired(limit: 100) == 100)
        #expect(access.sweepExpired(limit: 100) == 50)
        #expect(access.counts().sessions == 1)
        try fixture.restart()
        #expect(try fixture.access.session(id: kept.id).player == "kept")
        #expect(fixture.access.counts().sessions == 1)
    }
}
