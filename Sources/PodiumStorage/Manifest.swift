/// Which files hold the state: a snapshot (or none) and the log segments after it, in
/// order. A small text file, so an operator can read it; its last line is a CRC-32C of
/// the lines before it, so a damaged manifest is refused rather than misread.
///
///     podium-manifest 1
///     snapshot 7            (or: snapshot none)
///     segment 7
///     segment 8
///     crc32c 1a2b3c4d
struct Manifest: Equatable {
    static let version = 1

    var snapshot: UInt64?
    var segments: [UInt64]

    var encoded: [UInt8] {
        var text = "podium-manifest \(Self.version)\n"
        text += "snapshot \(snapshot.map(String.init) ?? "none")\n"
        for segment in segments { text += "segment \(segment)\n" }
        let crc = String(CRC32C.checksum(Array(text.utf8)), radix: 16)
        return Array((text + "crc32c \(crc)\n").utf8)
    }

    init(snapshot: UInt64?, segments: [UInt64]) {
        self.snapshot = snapshot
        self.segments = segments
    }

    init(decoding bytes: [UInt8], file: String) throws(StorageError) {
        func damaged(_ reason: String) -> StorageError { .corrupt(file: file, offset: 0, reason: reason) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw damaged("not UTF-8") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "" else { throw damaged("no final newline") }
        lines.removeLast()
        guard let crcLine = lines.popLast(), crcLine.hasPrefix("crc32c "),
            UInt32(crcLine.dropFirst(7), radix: 16) == CRC32C.checksum(Array(lines.map { $0 + "\n" }.joined().utf8))
        else { throw damaged("checksum mismatch") }
        guard lines.first == "podium-manifest \(Self.version)" else {
            throw .unsupported(file: file, reason: "expected 'podium-manifest \(Self.version)', found '\(lines.first ?? "")'")
        }
        var snapshot: UInt64?? = nil
        var segments: [UInt64] = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count == 2 else { throw damaged("line '\(line)'") }
            switch fields[0] {
            case "snapshot" where snapshot == nil:
                guard fields[1] == "none" || UInt64(fields[1]) != nil else { throw damaged("line '\(line)'") }
                snapshot = .some(UInt64(fields[1]))
            case "segment":
                guard let number = UInt64(fields[1]), number > (segments.last ?? 0) else { throw damaged("line '\(line)'") }
                segments.append(number)
            default:
                throw damaged("line '\(line)'")
            }
        }
        guard let snapshot, !segments.isEmpty else { throw damaged("no snapshot line or no segment") }
        self.init(snapshot: snapshot, segments: segments)
    }
}
