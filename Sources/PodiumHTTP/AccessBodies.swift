import Foundation
import PodiumAPI
import PodiumService

/// The server's side of the session and key bodies (in PodiumAPI): each built from the
/// service's types. Times are RFC 3339 in UTC.

extension SessionBody {
    init(_ session: SessionSummary) throws {
        self.init(
            sessionID: session.id, player: session.player, expiresAt: rfc3339(session.expiresAt), ttlSeconds: session.ttlSeconds,
            data: session.data.isEmpty ? .null : try JSONDecoder().decode(JSONValue.self, from: Data(session.data)))
    }
}

extension KeyRole {
    init(_ role: Role) {
        switch role {
        case .admin: self = .admin
        case .server: self = .server
        }
    }

    var role: Role {
        switch self {
        case .admin: .admin
        case .server: .server
        }
    }
}

extension KeyBody {
    init(_ summary: KeySummary, secret: String? = nil) {
        self.init(
            name: summary.name, role: KeyRole(summary.role), createdAt: rfc3339(summary.createdAt), bootstrap: summary.isBootstrap,
            key: secret)
    }
}

/// Session data as stored: compact JSON text.
func encodedSessionData(_ value: JSONValue?) throws -> [UInt8] {
    guard let value, value != .null else { return [] }
    return Array(try JSONEncoder().encode(value))
}
