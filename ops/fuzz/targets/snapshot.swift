// Fuzz target `snapshot`: any bytes as a snapshot file, and as a MANIFEST (ops/fuzz/README.md).
//
// SnapshotReader.load: a load or a thrown StorageError, never a crash, a hang or
// unbounded memory; what it accepted keeps the boards' invariants and survives a snapshot
// and reload unchanged. Manifest(decoding:file:): a manifest or a StorageError; what it
// accepts re-encodes to a manifest that decodes the same.

@testable import PodiumEngine
@testable import PodiumStorage

func loadSnapshot(_ bytes: [UInt8], chunk: Int) {
    var state = StoredState()
    do {
        let entries = try SnapshotReader.load(bytes, file: fuzzFile, keyring: FuzzKeyring(), into: &state)
        check(entries >= 0)
    } catch is StorageError {
        // Refused: nothing loaded.
        check(state.boards.isEmpty && state.keys.isEmpty && state.sessions.isEmpty, "a refused snapshot loaded something")
        return
    } catch {
        fail("SnapshotReader.load threw \(error), not a StorageError")
    }
    checkInvariants(state)
    checkSnapshotRoundTrip(state, chunk: chunk)
}

/// `bytes` with its last line replaced by the `crc32c` line of the lines before it.
func withFixedManifestCRC(_ bytes: [UInt8]) -> [UInt8] {
    var body = bytes
    if body.last == UInt8(ascii: "\n") {
        let lastLineStart = body.dropLast().lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        if body[lastLineStart...].starts(with: Array("crc32c ".utf8)) { body.removeSubrange(lastLineStart...) }
    }
    if let last = body.last, last != UInt8(ascii: "\n") { body.append(UInt8(ascii: "\n")) }
    return body + Array("crc32c \(String(CRC32C.checksum(body), radix: 16))\n".utf8)
}

func decodeManifest(_ bytes: [UInt8]) {
    let manifest: Manifest
    do {
        manifest = try Manifest(decoding: bytes, file: fuzzFile)
    } catch {
        return  // typed throws: always a StorageError
    }
    check(!manifest.segments.isEmpty && zip(manifest.segments, manifest.segments.dropFirst()).allSatisfy { $0 < $1 })
    do {
        let again = try Manifest(decoding: manifest.encoded, file: fuzzFile)
        check(again == manifest, "\(manifest) re-encodes as \(again)")
    } catch {
        fail("\(manifest) re-encodes to a manifest that does not decode: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let chunk = 1 + size % 4
    loadSnapshot(bytes, chunk: chunk)
    let fixed = withFixedCRCs(bytes)
    if fixed != bytes { loadSnapshot(fixed, chunk: chunk) }
    decodeManifest(bytes)
    decodeManifest(withFixedManifestCRC(bytes))
    return 0
}
