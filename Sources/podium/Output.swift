import Foundation
import PodiumAPI

/// Where the CLI writes: results to stdout, each line flushed (so `tail` works in a
/// pipe), problems to stderr as one line.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// The API's JSON as the server sent it, one document a line.
    static func json(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        FileHandle.standardOutput.write(Data(bytes + [UInt8(ascii: "\n")]))
    }

    /// A document of the CLI's own, for a command whose API answer has no body (a
    /// delete), so that `--json` prints one document on every command.
    static func json(_ fields: [String: String]) {
        line(Formatting.json(.object(fields.mapValues(JSONValue.string))))
    }

    /// `text` on stderr, for what is not the result (a wait, a remark).
    static func notice(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// `error: <message>` on stderr.
    static func error(_ message: String) {
        let text = message.hasPrefix("error: ") || message.hasPrefix("Error: ") ? message : "error: " + message
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Whether to colour stdout: only on a terminal, and never with NO_COLOR set
    /// (no-color.org) or TERM=dumb.
    static let usesColour: Bool = {
        let environment = ProcessInfo.processInfo.environment
        guard isatty(STDOUT_FILENO) == 1, environment["NO_COLOR"]?.isEmpty ?? true else { return false }
        return environment["TERM"] != "dumb"
    }()

    /// `text` in bold on a colour terminal.
    static func bold(_ text: String) -> String {
        usesColour ? "\u{1B}[1m" + text + "\u{1B}[0m" : text
    }
}
