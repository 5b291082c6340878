import Testing

@testable import RESPClient

/// Key slots as Redis Cluster computes them (the values `CLUSTER KEYSLOT` answers), and the
/// key each command is routed by.
struct RESPSlotTests {
    @Test func slotsAreRedisClusters() {
        #expect(RESPSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(RESPSlot.of(Array("foo".utf8)) == 12182)
        #expect(RESPSlot.of(Array("bar".utf8)) == 5061)
        // A hash tag: only what is between the first { and the next } counts.
        #expect(RESPSlot.of(Array("{user1000}.following".utf8)) == RESPSlot.of(Array("user1000".utf8)))
        #expect(RESPSlot.of(Array("podium:{board}:z".utf8)) == RESPSlot.of(Array("podium:{board}:names".utf8)))
        // An empty tag is no tag: the whole key is hashed.
        #expect(RESPSlot.of(Array("foo{}{bar}".utf8)) == RESPSlot.of(Array("foo{}{bar}".utf8)))
        #expect(RESPSlot.of(Array("foo{}{bar}".utf8)) != RESPSlot.of(Array("bar".utf8)))
    }

    @Test func commandsAreRoutedByTheirKey() {
        #expect(RESPSlot.routingKey(of: RESPCommand("EVALSHA", "abc", "2", "k1", "k2", "arg")) == Array("k1".utf8))
        #expect(RESPSlot.routingKey(of: RESPCommand("EVAL", "return 1", "0")) == nil)
        #expect(RESPSlot.routingKey(of: RESPCommand("HGETALL", "podium:cred:ab")) == Array("podium:cred:ab".utf8))
        #expect(RESPSlot.routingKey(of: RESPCommand("WAIT", "1", "1000")) == nil)
        #expect(RESPSlot.routingKey(of: RESPCommand("ping")) == nil)
    }

    @Test func redirectsNameTheSlotAndTheNode() {
        let moved = RESPCluster.redirect("MOVED 3999 127.0.0.1:6381")
        #expect(moved?.slot == 3999 && moved?.node == RESPCluster.Node(host: "127.0.0.1", port: 6381))
        #expect(RESPCluster.redirect("ASK 12 ::1:7000")?.node == RESPCluster.Node(host: "::1", port: 7000))
        #expect(RESPCluster.redirect("MOVED nonsense") == nil)
    }
}
