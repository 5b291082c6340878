// A stand-in for swift-argument-parser's `ValidationError`, the one type
// Sources/podiumd/ConfigFile.swift uses, so it compiles alone. Only for ops/fuzz.
public struct ValidationError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
