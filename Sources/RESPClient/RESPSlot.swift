/// Redis Cluster's key slots: CRC16 (XMODEM) of the key, or of its hash tag (the bytes
/// between the first `{` and the next `}`, when not empty), modulo 16384. Keys with one
/// tag share a slot, so one script may use them all.
public enum RESPSlot {
    public static let count = 16384

    /// The slot of `key`. O(key length).
    public static func of(_ key: some Collection<UInt8>) -> Int {
        var hashed = Array(key)
        if let open = hashed.firstIndex(of: UInt8(ascii: "{")),
            let close = hashed[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1
        {
            hashed = Array(hashed[(open + 1)..<close])
        }
        return Int(crc16(hashed)) % count
    }

    /// The key `command` is routed by: the first key of a script (`EVAL`, `EVALSHA`), the
    /// first argument of a command on a key, none for a command on the server (`PING`,
    /// `WAIT`, `SCRIPT`, `CLUSTER`...), which any node answers.
    public static func routingKey(of command: RESPCommand) -> [UInt8]? {
        guard let name = command.arguments.first.map({ String(decoding: $0, as: UTF8.self).uppercased() }) else { return nil }
        switch name {
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL":
            guard command.arguments.count > 3, let keys = Int(String(decoding: command.arguments[2], as: UTF8.self)), keys > 0 else { return nil }
            return command.arguments[3]
        case "PING", "WAIT", "SCRIPT", "CLUSTER", "INFO", "HELLO", "AUTH", "SELECT", "ASKING", "PUBLISH", "SUBSCRIBE", "PSUBSCRIBE":
            return nil
        default:
            return command.arguments.count > 1 ? command.arguments[1] : nil
        }
    }

    /// CRC16-CCITT (XMODEM): polynomial 0x1021, initial 0, as Redis Cluster specifies.
    static func crc16(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }
}
