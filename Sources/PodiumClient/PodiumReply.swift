/// An answer of the REST API: the value read from it, and its status and JSON body as
/// the server wrote them (what `podium --json` prints).
public struct PodiumReply<Value: Sendable>: Sendable {
    public var value: Value
    /// The HTTP status: 201 rather than 200 tells a creation from an existing match.
    public var status: Int
    /// The body's bytes, as sent; empty for 204.
    public var json: [UInt8]
}
