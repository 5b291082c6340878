import ArgumentParser
import Foundation

/// `--config FILE`: the flags' values in a file, one `name = value` a line (`#` starts a
/// comment), e.g. `data-dir = /var/lib/podium`. They go before the command line's own
/// flags, and the last value of a flag wins, so the command line overrides the file.
/// ops/podiumd.conf.example lists every setting.
enum ConfigFile {
    /// `arguments` with `--config FILE` replaced by the file's settings, put first.
    static func expand(_ arguments: [String]) throws -> [String] {
        guard let index = arguments.firstIndex(of: "--config") else { return arguments }
        guard index + 1 < arguments.count else { throw ValidationError("--config needs a file") }
        let path = arguments[index + 1]
        guard let text = FileManager.default.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw ValidationError("cannot read the config file \(path)")
        }
        var settings: [String] = []
        // Any line break ends a line: "\r\n" is one Character, never equal to "\n", so a
        // file saved with CRLF endings would otherwise be one long line.
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ValidationError("\(path):\(number + 1): expected 'name = value'")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name != "config" else { throw ValidationError("\(path):\(number + 1): bad setting '\(name)'") }
            // A flag without a value (insecure-http = true) is given bare, or left out.
            switch value {
            case "true": settings.append("--\(name)")
            case "false": continue
            default: settings += ["--\(name)", value]
            }
        }
        var rest = arguments
        rest.removeSubrange(index...index + 1)
        return settings + rest
    }
}
