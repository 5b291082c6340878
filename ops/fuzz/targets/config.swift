// Fuzz target `config`: any bytes as podiumd's --config file (ops/fuzz/README.md).
//
// ConfigFile.expand: the arguments with the file's settings first, or an error naming the
// line; never a crash. What it returns: `--name` flags and their values, each from one
// line (no line break inside a name or value), none of them `--config`, then the command
// line's own arguments unchanged.

import ArgumentParser
import Foundation
@testable import podiumd

let configPath: String = {
    let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return "\(directory)/podium-fuzz-config-\(getpid()).conf"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // An empty file is no settings; and Foundation's FileManager.contents(atPath:) leaks
    // 4 KiB reading one (swift-foundation's zero-size read path, Swift 6.3.1), which
    // LeakSanitizer would report at exit.
    guard size > 0 else { return 0 }
    let bytes = Data(bytes: data, count: size)
    guard FileManager.default.createFile(atPath: configPath, contents: bytes) else { fail("cannot write \(configPath)") }
    let rest = ["--listen", "127.0.0.1:1", "--fsync", "no"]
    let arguments: [String]
    do {
        arguments = try ConfigFile.expand(["--listen", "127.0.0.1:1", "--config", configPath, "--fsync", "no"])
    } catch {
        check(error is ValidationError, "expand threw \(error)")
        return 0
    }
    // Not UTF-8: refused above.
    guard let text = String(data: bytes, encoding: .utf8) else { fail("expand read a file that is not UTF-8") }
    check(arguments.count >= rest.count && Array(arguments.suffix(rest.count)) == rest, "\(arguments)")
    // Settings are `--name` or `--name value`: the flattened list does not say which
    // (a value may begin with `--`), so only its first element is surely a flag.
    let settings = arguments.dropLast(rest.count)
    if let first = settings.first {
        // Bytes, not Characters: a name may begin with a combining mark, which joins the "-".
        check(first.utf8.starts(with: "--".utf8) && first.utf8.count > 2 && first != "--config", "flag \(first.debugDescription)")
    }
    for value in settings {
        check(
            !value.unicodeScalars.contains { $0 == "\n" || $0 == "\r" }, "a line break in \(value.debugDescription) from \(text.debugDescription)")
        check(value == value.trimmingCharacters(in: .whitespaces), "\(value.debugDescription) from \(text.debugDescription)")
    }
    return 0
}
