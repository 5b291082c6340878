import Synchronization

extension AccessRegistry {
    /// A token found valid, kept by a connection so that its next requests with the same
    /// token skip the check (its SHA-256, the registry's lock and lookups): good while no
    /// key or session has been removed since and, for a session, until it expires.
    public struct CheckedToken: Sendable {
        public let principal: Principal
        fileprivate let token: String
        fileprivate let removals: UInt64
        fileprivate let expiresAt: Int64
    }

    /// ``authenticate(token:)``, or `previous` again when it is this token's and still
    /// good (see ``CheckedToken``). O(token length) then, else as `authenticate`.
    ///
    /// A removal is counted once done under the lock, and the count is read before the
    /// check: a token checked while a removal ran is checked again on its next use. The
    /// tokens are compared in constant time: behind a proxy, one connection carries
    /// requests from many clients.
    public func authenticate(token: String, reusing previous: CheckedToken?) -> CheckedToken? {
        let removalsSoFar = removals.load(ordering: .sequentiallyConsistent)
        if let previous, previous.removals == removalsSoFar, Token.constantTimeEqual(previous.token, token),
            clock() < previous.expiresAt
        {
            return previous
        }
        guard let (principal, expiresAt) = check(token) else { return nil }
        return CheckedToken(principal: principal, token: token, removals: removalsSoFar, expiresAt: expiresAt)
    }
}
