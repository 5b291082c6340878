import Foundation
import PodiumService

/// Bodies of the session and key routes (SPEC section 4). Times are RFC 3339 in UTC.

/// `POST /v1/sessions`.
struct SessionRequestBody: Codable {
    var player: String
    var ttlSeconds: Int64
    var data: JSONValue?

    enum CodingKeys: String, CodingKey {
        case player, data
        case ttlSeconds = "ttl_seconds"
    }
}

/// The answer to `POST /v1/sessions`: the token, shown this once.
struct IssuedSessionBody: Codable, Equatable {
    var token: String
    var sessionID: String
    var player: String
    var expiresAt: String

    enum CodingKeys: String, CodingKey {
        case token, player
        case sessionID = "session_id"
        case expiresAt = "expires_at"
    }
}

/// A session as its player (or a server) sees it.
struct SessionBody: Codable, Equatable {
    var sessionID: String
    var player: String
    var expiresAt: String
    var ttlSeconds: Int64
    var data: JSONValue

    enum CodingKeys: String, CodingKey {
        case player, data
        case sessionID = "session_id"
        case expiresAt = "expires_at"
        case ttlSeconds = "ttl_seconds"
    }

    init(_ session: SessionSummary) throws {
        sessionID = session.id
        player = session.player
        expiresAt = rfc3339(session.expiresAt)
        ttlSeconds = session.ttlSeconds
        data = session.data.isEmpty ? .null : try JSONDecoder().decode(JSONValue.self, from: Data(session.data))
    }
}

/// `POST /v1/keys`.
struct KeyRequestBody: Codable {
    var name: String
    var role: Role
}

extension Role: Codable {}

/// A key as listed; `key` (the secret) only in the answer that creates it.
struct KeyBody: Codable, Equatable {
    var name: String
    var role: Role
    var createdAt: String
    var bootstrap: Bool
    var key: String?

    enum CodingKeys: String, CodingKey {
        case name, role, bootstrap, key
        case createdAt = "created_at"
    }

    init(_ summary: KeySummary, secret: String? = nil) {
        name = summary.name
        role = summary.role
        createdAt = rfc3339(summary.createdAt)
        bootstrap = summary.isBootstrap
        key = secret
    }
}

struct KeyListBody: Codable, Equatable {
    var keys: [KeyBody]
}


/// Session data as stored: compact JSON text.
func encodedSessionData(_ value: JSONValue?) throws -> [UInt8] {
    guard let value, value != .null else { return [] }
    return Array(try JSONEncoder().encode(value))
}
