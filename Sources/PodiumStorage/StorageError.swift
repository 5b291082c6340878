import Glibc

/// Why the data directory cannot be used. Each case says what to do about it.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed on `path`.
    case io(path: String, operation: String, errno: Int32)
    /// Another live process holds the data directory.
    case locked(directory: String, holder: String)
    /// A file is damaged before its end: nothing after `offset` can be trusted.
    case corrupt(file: String, offset: Int, reason: String)
    /// A file this version cannot read (written by a newer Podium, or not Podium's).
    case unsupported(file: String, reason: String)
    /// The records do not make sense together (a score for a board never created).
    case inconsistent(file: String, offset: Int, reason: String)
    /// A file is encrypted under a key that was not given.
    case keyUnavailable(file: String, keyID: KeyID)

    public var description: String {
        switch self {
        case let .io(path, operation, code):
            return "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
        case let .locked(directory, holder):
            return "\(directory) is in use by another process (\(holder)); stop it or choose another --data-dir"
        case let .corrupt(file, offset, reason) where file.hasSuffix(".snap"):
            // A snapshot holds the state the log after it builds on: no prefix of it will do.
            return "\(file) is damaged at byte \(offset): \(reason). Nothing was loaded. "
                + "`podium check \(Self.directory(of: file))` shows what else is sound; a damaged snapshot cannot be repaired: "
                + "restore the last backup into a new directory (`podium restore BACKUP --data-dir NEW_DIR`) and start there"
        case let .corrupt(file, offset, reason):
            return "\(file) is damaged at byte \(offset): \(reason). Nothing was loaded. "
                + "Check it with `podium check \(Self.directory(of: file))`; "
                + "`podium check --repair \(Self.directory(of: file))` keeps what precedes the damage and backs up the rest"
        case let .unsupported(file, reason):
            return "\(file) cannot be read by this version: \(reason)"
        case let .inconsistent(file, offset, reason):
            return "\(file) at byte \(offset): \(reason). Check it with `podium check \(Self.directory(of: file))`"
        case let .keyUnavailable(file, keyID):
            return "\(file) is encrypted under key \(keyID), which was not given: name that key's file with "
                + "--encryption-key-file (or, while rotating, --previous-key-file)"
        }
    }

    private static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return String(file[..<slash])
    }
}
