import PodiumEngine

extension MemberID {
    /// Refuses an id no member can have, so a read or a removal of one is a clear 400, not a
    /// "no such member".
    public static func validate(_ member: String) throws(ServiceError) {
        guard isValid(member) else { throw .invalidMember }
    }
}
