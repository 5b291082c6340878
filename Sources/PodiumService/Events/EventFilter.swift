import PodiumEngine

/// What a subscriber asks to see of a board. No filter: every change. With filters, the
/// union of what each lets through: `top` the changes touching ranks 1...top (before or
/// after), `members` the changes of these members and `overtaken` notices for them. A
/// board drop reaches every subscriber.
public struct EventFilter: Sendable, Hashable {
    /// Most members one subscription may watch.
    public static let maxMembers = 100

    public var top: Int?
    /// Member ids, told apart by their bytes as everywhere on a board.
    public var members: [String]

    public init(top: Int? = nil, members: [String] = []) {
        self.top = top
        self.members = members
    }

    var isEverything: Bool { top == nil && members.isEmpty }

    /// Refuses a filter no change could pass, or one larger than a subscription may hold.
    public func validate() throws(ServiceError) {
        if let top, top < 1 || top > BoardRegistry.maxPage {
            throw .invalidRequest("top must be 1 to \(BoardRegistry.maxPage)")
        }
        guard members.count <= Self.maxMembers else { throw .invalidRequest("at most \(Self.maxMembers) members a subscription") }
        for member in members { try MemberID.validate(member) }
    }

    /// Whether `top` alone lets `event` through.
    func topPasses(_ event: BoardEvent) -> Bool {
        guard let top else { return false }
        return event.bestRankTouched.map { $0 <= top } ?? true
    }
}
