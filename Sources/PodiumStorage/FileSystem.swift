import Glibc

/// The file operations PodiumStorage makes, and nothing else: the seam where tests put a
/// simulated disk that fails an fsync, runs out of space or loses power (as TigerBeetle's
/// and FoundationDB's simulators do). ``PosixFileSystem`` is the real one.
///
/// The contract is POSIX's, which is what recovery relies on: bytes written are
/// durable only once an fsync of their file returns, and a name created, renamed or
/// removed in a directory only once an fsync of the directory returns.
package protocol FileSystem: Sendable {
    /// Bytes the log allocates at a time ahead of its writes.
    var preallocationStep: Int { get }
    /// Opens `path` with open(2) `flags`, creating it with `mode` if the flags ask.
    func open(_ path: String, flags: Int32, mode: mode_t) throws(StorageError) -> any StorageFile
    /// Creates `path` and any missing parents, as `mkdir -p`.
    func makeDirectory(_ path: String) throws(StorageError)
    /// Makes the creations, renames and removals in directory `path` durable.
    func syncDirectory(_ path: String) throws(StorageError)
    func rename(_ source: String, to target: String) throws(StorageError)
    /// Removes `path`; one already gone is not an error.
    func remove(_ path: String) throws(StorageError)
    func exists(_ path: String) -> Bool
    /// Names in directory `path`, without `.` and `..`.
    func contents(of path: String) throws(StorageError) -> [String]
}

/// An open file. Writes are whole (short writes retried) or throw.
package protocol StorageFile: AnyObject, Sendable {
    var path: String { get }
    /// Writes all of `bytes` at the file offset (the end under O_APPEND).
    func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError)
    /// Writes all of `bytes` at `offset`, whatever the file offset.
    func write(_ bytes: [UInt8], at offset: Int) throws(StorageError)
    /// Makes the file's data, and its size when it changed, durable (fdatasync).
    func syncData() throws(StorageError)
    /// Makes the file's data and metadata durable (fsync).
    func sync() throws(StorageError)
    /// Reserves blocks for `length` bytes from `offset`, so writes there cannot run out of space.
    func preallocate(from offset: Int, length: Int) throws(StorageError)
    func size() throws(StorageError) -> Int
    func truncate(to size: Int) throws(StorageError)
    /// Up to `count` bytes from `start`: fewer only where the file ends first.
    func read(from start: Int, count: Int) throws(StorageError) -> [UInt8]
    /// Takes an exclusive advisory lock without waiting; false while another holder has it.
    func tryLock() throws(StorageError) -> Bool
    func unlock()
}

extension StorageFile {
    func write(_ bytes: [UInt8]) throws(StorageError) {
        // `withUnsafeBytes` rethrows untyped errors: carry the typed one out in a Result.
        try bytes.withUnsafeBytes { raw in Result { () throws(StorageError) in try write(raw) } }.get()
    }

    /// The whole file from its start.
    func readAll() throws(StorageError) -> [UInt8] {
        try read(from: 0, count: size())
    }
}

extension FileSystem {
    func open(_ path: String, flags: Int32) throws(StorageError) -> any StorageFile {
        try open(path, flags: flags, mode: 0o644)
    }

    /// The size of the file at `path`, or nil when it cannot be opened.
    func size(of path: String) -> Int? {
        try? open(path, flags: O_RDONLY).size()
    }

    /// The directory `path` is in.
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
