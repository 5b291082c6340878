import Glibc

/// Resident memory of this process in bytes (Linux `/proc/self/statm`; 0 elsewhere).
/// `releasingFreedHeap` first hands freed heap pages back to the OS (`malloc_trim`), so the
/// count is live data and not what the allocator keeps cached: benchmarks want that, a
/// stats request should not pay for it.
public func residentMemoryBytes(releasingFreedHeap: Bool = false) -> Int {
    if releasingFreedHeap { releaseFreedHeap() }
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    // statm: total and resident size in pages, then more fields.
    var line = [CChar](repeating: 0, count: 256)
    guard fgets(&line, Int32(line.count), file) != nil else { return 0 }
    let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: " ")
    guard fields.count >= 2, let residentPages = Int(fields[1]) else { return 0 }
    return residentPages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// glibc's `malloc_trim(0)`, looked up at run time: the Glibc module does not export `malloc.h`.
private func releaseFreedHeap() {
    typealias MallocTrim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
}
