import Glibc

/// An open file descriptor, closed when the last reference goes. Thin, so every system
/// call (and every fsync) is visible where it is made.
final class PosixFile: StorageFile {
    let descriptor: Int32
    let path: String

    /// Opens `path` with `flags` (O_CLOEXEC added), creating it with `mode` if asked.
    init(path: String, flags: Int32, mode: mode_t = 0o644) throws(StorageError) {
        let descriptor = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        self.descriptor = descriptor
        self.path = path
    }

    deinit { Glibc.close(descriptor) }

    /// Writes all of `bytes` at the end (O_APPEND) or the current offset, retrying short
    /// writes and interrupted calls.
    func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        guard let base = bytes.baseAddress else { return }  // nothing to write
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", errno: errno)
            }
            offset += written
        }
    }

    /// Writes all of `bytes` at `offset` (pwrite), whatever the file offset.
    func write(_ bytes: [UInt8], at offset: Int) throws(StorageError) {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(StorageError) in
                guard let base = raw.baseAddress else { return }  // nothing to write
                var done = 0
                while done < raw.count {
                    let written = pwrite(descriptor, base + done, raw.count - done, off_t(offset + done))
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw .io(path: path, operation: "pwrite", errno: errno)
                    }
                    done += written
                }
            }
        }.get()
    }

    /// Flushes the file's data, and its size when it changed (fdatasync): what reading
    /// the data back needs, without the timestamps an fsync also writes.
    func syncData() throws(StorageError) {
        guard fdatasync(descriptor) == 0 else { throw .io(path: path, operation: "fdatasync", errno: errno) }
    }

    /// Reserves disk blocks for `length` bytes from `offset`, so later writes there need
    /// no block allocation (and their fdatasync no metadata journal commit).
    func preallocate(from offset: Int, length: Int) throws(StorageError) {
        let code = posix_fallocate(descriptor, off_t(offset), off_t(length))
        guard code == 0 else { throw .io(path: path, operation: "posix_fallocate", errno: code) }
    }

    /// Flushes the file's data and size to the device.
    func sync() throws(StorageError) {
        guard fsync(descriptor) == 0 else { throw .io(path: path, operation: "fsync", errno: errno) }
    }

    func size() throws(StorageError) -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io(path: path, operation: "fstat", errno: errno) }
        return Int(status.st_size)
    }

    func tryLock() throws(StorageError) -> Bool {
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            guard errno == EWOULDBLOCK else { throw .io(path: path, operation: "flock", errno: errno) }
            return false
        }
        return true
    }

    func unlock() {
        flock(descriptor, LOCK_UN)
    }

    func truncate(to size: Int) throws(StorageError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw .io(path: path, operation: "ftruncate", errno: errno) }
    }

    /// Up to `count` bytes from `start`: fewer only where the file ends first.
    func read(from start: Int, count: Int) throws(StorageError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let read = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { pread(descriptor, $0 + done, count - done, off_t(start + done)) } ?? 0
            }
            if read < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", errno: errno)
            }
            if read == 0 { break }  // shrank under us: keep what was read
            done += read
        }
        return Array(bytes.prefix(done))
    }
}

/// The real file system: each operation one system call with its error.
package struct PosixFileSystem: FileSystem {
    package init() {}

    /// 16 MiB: under `--fsync always`, writes into allocated blocks make each fdatasync
    /// cheaper (AppendOnlyLog).
    package var preallocationStep: Int { 16 << 20 }

    package func open(_ path: String, flags: Int32, mode: mode_t) throws(StorageError) -> any StorageFile {
        try PosixFile(path: path, flags: flags, mode: mode)
    }

    package func makeDirectory(_ path: String) throws(StorageError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex, !exists(String(path[..<slash])) {
            try makeDirectory(String(path[..<slash]))
        }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw .io(path: path, operation: "mkdir", errno: errno) }
    }

    package func syncDirectory(_ path: String) throws(StorageError) {
        try PosixFile(path: path, flags: O_RDONLY | O_DIRECTORY).sync()
    }

    package func rename(_ source: String, to target: String) throws(StorageError) {
        guard Glibc.rename(source, target) == 0 else { throw .io(path: source, operation: "rename to \(target)", errno: errno) }
    }

    package func remove(_ path: String) throws(StorageError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .io(path: path, operation: "unlink", errno: errno) }
    }

    package func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    package func contents(of path: String) throws(StorageError) -> [String] {
        guard let directory = opendir(path) else { throw .io(path: path, operation: "opendir", errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
