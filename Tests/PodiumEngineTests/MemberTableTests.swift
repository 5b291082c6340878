import Testing

@testable import PodiumEngine

struct MemberTableTests {
    @Test func internsAndForgetsAgainstADictionary() {
        var random = SplitMix64(seed: 7)
        var table = MemberTable()
        var model: [String: UInt32] = [:]
        let pool = LeaderboardModelTests.memberPool + (0..<400).map { "m\($0)" }
        for _ in 0..<50_000 {
            let name = pool.randomElement(using: &random)!
            var utf8 = name
            utf8.withUTF8 { bytes in
                if let id = model[name] {
                    #expect(table.find(bytes) == id)
                    if Bool.random(using: &random) {
                        table.remove(id)
                        model[name] = nil
                    }
                } else {
                    #expect(table.find(bytes) == nil)
                    model[name] = table.intern(bytes)
                }
            }
            #expect(table.count == model.count)
        }
        for (name, id) in model {
            #expect(table.name(of: id) == name)
        }
    }
}
