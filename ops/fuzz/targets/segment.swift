// Fuzz target `segment`: any bytes as a log segment (ops/fuzz/README.md).
//
// Scans and decodes the records (FrameScanner.scanSegment, LogRecord.decode) and replays
// them into a StoredState as recovery does (DurableStore.replay): a load or a thrown
// StorageError, never a crash, a hang or unbounded memory. Then checks what was accepted:
// the outcome's byte counts add up, each record re-encodes to bytes that decode the same,
// every board's invariants hold, and the state survives a snapshot and reload unchanged.

@testable import PodiumEngine
@testable import PodiumStorage

func replaySegment(_ bytes: [UInt8], chunk: Int) {
    var state = StoredState()
    var records = 0
    do {
        let outcome = try FrameScanner.scanSegment(bytes, file: fuzzFile, keyring: FuzzKeyring()) { (record, offset) throws(StorageError) in
            checkRecordRoundTrip(record)
            do {
                _ = try state.apply(record)
            } catch {
                throw .inconsistent(file: fuzzFile, offset: offset, reason: "\(error)")
            }
            records += 1
        }
        check(outcome.validLength >= FileHeader.size && records >= outcome.frames, "\(outcome), \(records) records")
        check(outcome.validLength + outcome.tornBytes + outcome.paddingBytes == bytes.count, "\(outcome) of \(bytes.count) bytes")
    } catch {
        // Refused (a StorageError: scanSegment's throws are typed), naming the file and
        // offset: what recovery reports.
    }
    // Recovery stops at a refused record, with what came before it applied: check that too.
    checkInvariants(state)
    checkSnapshotRoundTrip(state, chunk: chunk)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Small chunks exercise the snapshot's resume cursors.
    let chunk = 1 + size % 4
    replaySegment(bytes, chunk: chunk)
    let fixed = withFixedCRCs(bytes)
    if fixed != bytes { replaySegment(fixed, chunk: chunk) }
    return 0
}
