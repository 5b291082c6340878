// The fuzz targets' assertion: unlike `precondition`, whose message an -O build drops,
// it prints what went wrong before it stops the run (a crash for libFuzzer).

#if canImport(Glibc)
import Glibc
#endif

func check(_ condition: Bool, _ message: @autoclosure () -> String = "", file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fail(message(), file: file, line: line) }
}

func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    let text = Array("FUZZ CHECK FAILED at \(file):\(line): \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}
