/// Entry metadata: a member's small JSON object (a display name, a country), kept in a
/// dictionary by interned id beside the skip list, so members without any cost nothing and
/// every entry a read builds carries its member's. The engine keeps the bytes; what they
/// hold is the service's to check.
extension Leaderboard {
    /// `member`'s metadata, or `nil` when it has none or is not on the board. O(length).
    public func metadata(of member: String) -> [UInt8]? {
        guard !metadata.isEmpty, let id = find(member) else { return nil }
        return metadata[id]
    }

    /// Replaces `member`'s metadata; returns false (and stores nothing) when `member` is not
    /// on the board. O(length + bytes).
    @discardableResult
    public mutating func setMetadata(_ bytes: [UInt8], of member: String) -> Bool {
        guard let id = find(member) else { return false }
        metadata[id] = bytes
        return true
    }

    /// The metadata of those of `entries` that have some: what a snapshot stores beside a
    /// chunk. O(1) on a board without metadata, else O(chunk x length).
    public func metadata(of entries: [StoredEntry]) -> [(member: String, json: [UInt8])] {
        guard !metadata.isEmpty else { return [] }
        return entries.compactMap { entry in metadata(of: entry.member).map { (entry.member, $0) } }
    }

    /// Members with metadata. O(1).
    public var metadataCount: Int { metadata.count }

    /// Drops the metadata of a member that left: its id may be handed to another member.
    mutating func forgetMetadata(of id: UInt32) {
        if !metadata.isEmpty { metadata[id] = nil }
    }
}
