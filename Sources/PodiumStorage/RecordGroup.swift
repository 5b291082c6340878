/// Several records written as one frame, so that one write's records (a batch, a score
/// with its metadata and event number, a many-board submit) survive a power cut whole or
/// not at all: a torn write keeps a prefix of the bytes, and a prefix of separate frames
/// would be half a write. Inside, each record is its kind (UInt8), its payload's length
/// (varint) and the payload; the frame's one CRC covers them all.
///
/// Kind 64, from segment format version 2 on; a version 1 segment has none.
enum RecordGroup {
    static let kind: UInt8 = 64

    /// The frame payload holding `records`, in order. O(bytes).
    static func encode(_ records: [LogRecord]) -> [UInt8] {
        var writer = ByteWriter(capacity: 128)
        encode(records, into: &writer)
        return writer.bytes
    }

    /// Adds `records` to the group payload in `writer`, in order. O(bytes).
    static func encode(_ records: [LogRecord], into writer: inout ByteWriter) {
        // One scratch buffer for every record's payload: its length goes first.
        var payload = ByteWriter(capacity: 128)
        for record in records {
            payload.bytes.removeAll(keepingCapacity: true)
            record.encodePayload(into: &payload)
            writer.write(record.kind.rawValue)
            writer.writeVarint(UInt64(payload.bytes.count))
            writer.bytes.append(contentsOf: payload.bytes)
        }
    }

    /// The records a log frame of `kind` holds: the one it is, or a group's. O(bytes).
    static func records(kind: UInt8, payload: UnsafeRawBufferPointer) throws(FormatError) -> [LogRecord] {
        guard kind == Self.kind else { return [try LogRecord.decode(kind: kind, payload: payload)] }
        var reader = ByteReader(payload)
        var records: [LogRecord] = []
        while !reader.isAtEnd {
            let kind = try reader.readUInt8()
            guard kind != Self.kind else { throw .malformed("a record group inside a record group") }
            let length = try reader.readVarint()
            guard length <= UInt64(payload.count) else { throw .malformed("a grouped record of \(length) bytes in a \(payload.count)-byte group") }
            records.append(try LogRecord.decode(kind: kind, payload: try reader.readBytes(Int(length))))
        }
        guard !records.isEmpty else { throw .malformed("an empty record group") }
        return records
    }
}
