import Glibc

/// The data directory: an exclusive lock, a manifest naming the live files, and the
/// snapshot and log segments themselves.
///
///     LOCK                       flock(2)ed by the process using the directory
///     MANIFEST                   the snapshot and the segments that follow it, in order
///     snapshot-00000007.snap     state as of the start of segment 7
///     segment-00000007.aof       records after it, then segment 8, ...
///     events.hist                the events' history a graceful stop kept (optional)
///
/// Snapshots and segments the manifest does not name are leftovers of an interrupted
/// snapshot or of compaction and are removed once a new manifest is durable.
public final class DataDirectory: Sendable {
    public let path: String
    /// Where every file operation of this directory goes (a simulated disk in tests).
    let fileSystem: any FileSystem
    private let lockFile: any StorageFile

    /// Opens (creating if needed) the directory at `path` and takes its lock.
    /// Throws ``StorageError/locked(directory:holder:)`` while another process holds it.
    public convenience init(path: String) throws(StorageError) {
        try self.init(path: path, fileSystem: PosixFileSystem())
    }

    package init(path: String, fileSystem: any FileSystem) throws(StorageError) {
        self.path = path
        self.fileSystem = fileSystem
        try fileSystem.makeDirectory(path)
        let lockFile = try fileSystem.open(path + "/LOCK", flags: O_RDWR | O_CREAT, mode: 0o600)
        guard try lockFile.tryLock() else {
            let holder = String(decoding: (try? lockFile.readAll()) ?? [], as: UTF8.self).filter { !$0.isNewline }
            throw .locked(directory: path, holder: holder.isEmpty ? "pid unknown" : holder)
        }
        try lockFile.truncate(to: 0)
        try lockFile.write(Array("pid \(getpid())\n".utf8))
        self.lockFile = lockFile
    }

    /// Lets another process (or a later open in this one) take the directory. The lock
    /// also goes with the process, however it ends.
    func releaseLock() {
        lockFile.unlock()
    }

    func segmentPath(_ number: UInt64) -> String { path + "/" + Self.fileName("segment", number, "aof") }
    func snapshotPath(_ number: UInt64) -> String { path + "/" + Self.fileName("snapshot", number, "snap") }
    var manifestPath: String { path + "/MANIFEST" }
    var eventHistoryPath: String { path + "/events.hist" }

    static func fileName(_ prefix: String, _ number: UInt64, _ suffix: String) -> String {
        let digits = String(number)
        return prefix + "-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + "." + suffix
    }

    /// Writes `bytes` to `target` atomically and durably: a temporary file, fsynced,
    /// renamed over the target, the directory fsynced.
    func writeAtomically(_ bytes: [UInt8], to target: String) throws(StorageError) {
        let temporary = target + ".tmp"
        let file = try fileSystem.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        try file.write(bytes)
        try file.sync()
        try fileSystem.rename(temporary, to: target)
        try fileSystem.syncDirectory(path)
    }
}

