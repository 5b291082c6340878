import Glibc
import PodiumStorage
import PodiumSync

/// A disk in memory that keeps what no fsync has covered in a volatile layer, as Jepsen's
/// LazyFS does, and fails on command, as TigerBeetle's and FoundationDB's simulators do.
///
/// Every write, truncate and allocation of a file stays volatile until an fsync of that
/// file; every create, rename and unlink in a directory until an fsync of the directory.
/// ``powerCut(keeping:)`` keeps, per file and per directory, a random prefix of what is
/// volatile (the last write kept may itself be cut part way: a torn write) and drops the
/// rest; every file open before the cut then fails, as the process that had it is gone.
/// ``Fault``s fail chosen operations with an errno, and a ``capacity`` runs out of space.
package final class SimulatedDisk: FileSystem {
    /// What an injected fault applies to.
    package enum Operation: Sendable, Equatable {
        case write(path: String)
        case sync(path: String)
        case allocate(path: String)
        case rename(source: String)
        case syncDirectory(path: String)
    }

    /// Decides, for each operation, whether it fails and with which errno.
    package typealias Fault = @Sendable (Operation) -> Int32?

    private enum FileChange {
        case write(offset: Int, bytes: [UInt8])
        case resize(Int)
    }

    private enum NameChange {
        case link(name: String, inode: Int)
        case unlink(name: String)
        /// One change: a rename is atomic, whether or not it survives.
        case rename(source: String, target: String, inode: Int)

        func apply(to names: inout [String: Int]) {
            switch self {
            case let .link(name, inode): names[name] = inode
            case let .unlink(name): names[name] = nil
            case let .rename(source, target, inode):
                names[source] = nil
                names[target] = inode
            }
        }
    }

    private struct Inode {
        var bytes = SparseBytes()
        var durable = SparseBytes()
        var volatile: [FileChange] = []
    }

    private struct State {
        var inodes: [Int: Inode] = [:]
        var nextInode = 1
        /// Full path -> inode, as a reader sees it now, and as it would survive a power cut.
        var names: [String: Int] = [:]
        var durableNames: [String: Int] = [:]
        var volatileNames: [String: [NameChange]] = [:]
        var directories: Set<String> = ["/"]
        var locked: Set<String> = []
        /// Bumped at each power cut: files opened before it are dead.
        var epoch = 0
        var fault: Fault?
        var capacity: Int?
        var operations = 0
        /// The operation from which everything fails: the machine lost power there.
        var deathAt: Int?

        var isDead: Bool { deathAt.map { operations >= $0 } ?? false }
    }

    private let state = Locked(State())

    package init() {}

    /// Small, so that the tests' many data directories stay cheap.
    package var preallocationStep: Int { 64 << 10 }

    /// Bytes all files may hold together; past it, writes and allocations fail with
    /// ENOSPC (a write part way, after the bytes that fit). `nil`: no limit.
    package var capacity: Int? {
        get { state.withLock { $0.capacity } }
        set { state.withLock { $0.capacity = newValue } }
    }

    /// Fails the operations `fault` picks, from now on; `nil` stops failing.
    package func inject(_ fault: Fault?) {
        state.withLock { $0.fault = fault }
    }

    /// Operations made so far (writes, syncs, allocations, renames, directory syncs).
    package var operations: Int { state.withLock { $0.operations } }

    /// Fails every operation from the `count`th next one on (a write there writes
    /// nothing), as a machine losing power does; ``powerCut(keeping:tearing:)`` then
    /// decides what the disk kept.
    package func die(afterOperations count: Int) {
        state.withLock { $0.deathAt = $0.operations + count }
    }

    /// Whether ``die(afterOperations:)``'s point has been reached.
    package var isDead: Bool { state.withLock { $0.isDead } }

    /// A power cut: each file keeps its fsynced bytes plus a random prefix of the changes
    /// made since (`keeping` picks how many of `count`), the last one possibly torn; each
    /// directory likewise for its names. Files open before the cut fail from now on, and
    /// locks are released.
    package func powerCut(keeping: (_ count: Int) -> Int = { _ in 0 }, tearing: (_ bytes: Int) -> Int = { $0 }) {
        state.withLock { state in
            for (number, var inode) in state.inodes {
                var bytes = inode.durable
                let kept = keeping(inode.volatile.count)
                for (index, change) in inode.volatile.prefix(kept).enumerated() {
                    switch change {
                    case let .write(offset, written):
                        let torn = index == kept - 1 ? Array(written.prefix(tearing(written.count))) : written
                        bytes.write(torn, at: offset)
                    case let .resize(size): bytes.resize(to: size)
                    }
                }
                inode.bytes = bytes
                inode.durable = bytes
                inode.volatile = []
                state.inodes[number] = inode
            }
            for (_, changes) in state.volatileNames {
                for change in changes.prefix(keeping(changes.count)) { change.apply(to: &state.durableNames) }
            }
            state.names = state.durableNames
            state.volatileNames = [:]
            state.locked = []
            state.fault = nil
            state.deathAt = nil
            state.epoch += 1
        }
    }

    // MARK: FileSystem

    package func open(_ path: String, flags: Int32, mode: mode_t) throws(StorageError) -> any StorageFile {
        try state.withLock { (state) throws(StorageError) -> any StorageFile in
            if state.isDead { throw .io(path: path, operation: "open", errno: EIO) }
            if (flags & O_DIRECTORY) != 0 {
                guard state.directories.contains(path) else { throw .io(path: path, operation: "open", errno: ENOENT) }
                return SimulatedFile(disk: self, path: path, inode: 0, epoch: state.epoch)
            }
            guard state.directories.contains(Self.directory(of: path)) else { throw .io(path: path, operation: "open", errno: ENOENT) }
            if let inode = state.names[path] {
                if (flags & O_CREAT) != 0, (flags & O_EXCL) != 0 { throw .io(path: path, operation: "open", errno: EEXIST) }
                if (flags & O_TRUNC) != 0 { Self.change(.resize(0), of: inode, in: &state) }
                return SimulatedFile(disk: self, path: path, inode: inode, epoch: state.epoch)
            }
            guard (flags & O_CREAT) != 0 else { throw .io(path: path, operation: "open", errno: ENOENT) }
            let inode = state.nextInode
            state.nextInode += 1
            state.inodes[inode] = Inode()
            Self.link(path, to: inode, in: &state)
            return SimulatedFile(disk: self, path: path, inode: inode, epoch: state.epoch)
        }
    }

    package func makeDirectory(_ path: String) throws(StorageError) {
        state.withLock { state in
            var prefix = ""
            for component in path.split(separator: "/") {
                prefix += "/" + component
                state.directories.insert(prefix)
            }
        }
    }

    package func syncDirectory(_ path: String) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            try Self.check(.syncDirectory(path: path), path: path, in: &state)
            for change in state.volatileNames[path] ?? [] { change.apply(to: &state.durableNames) }
            state.volatileNames[path] = nil
        }
    }

    package func rename(_ source: String, to target: String) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            try Self.check(.rename(source: source), path: source, in: &state)
            guard let inode = state.names[source] else { throw .io(path: source, operation: "rename", errno: ENOENT) }
            let change = NameChange.rename(source: source, target: target, inode: inode)
            change.apply(to: &state.names)
            state.volatileNames[Self.directory(of: target), default: []].append(change)
        }
    }

    package func remove(_ path: String) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            if state.isDead { throw .io(path: path, operation: "unlink", errno: EIO) }
            guard state.names[path] != nil else { return }
            state.names[path] = nil
            state.volatileNames[Self.directory(of: path), default: []].append(.unlink(name: path))
        }
    }

    package func exists(_ path: String) -> Bool {
        state.withLock { $0.names[path] != nil || $0.directories.contains(path) }
    }

    package func contents(of path: String) throws(StorageError) -> [String] {
        state.withLock { state in
            state.names.keys.filter { Self.directory(of: $0) == path }.map { String($0.dropFirst(path.count + 1)) }
        }
    }

    /// The bytes of `path` as a reader sees them now, if it exists.
    package func bytes(of path: String) -> [UInt8]? {
        state.withLock { state in state.names[path].flatMap { state.inodes[$0]?.bytes.all } }
    }

    /// Every file by name with its size, and what of it is durable: for failure messages.
    package var listing: String {
        state.withLock { state in
            state.names.keys.sorted().map { name in
                let inode = state.inodes[state.names[name] ?? 0]
                return "\(name) \(inode?.bytes.size ?? 0) bytes (durable \(inode?.durable.size ?? 0), \(inode?.volatile.count ?? 0) changes pending)"
            }.joined(separator: "; ")
        }
    }

    /// Replaces the bytes of `path`, durably (damage at rest).
    package func overwrite(_ path: String, with bytes: [UInt8]) {
        state.withLock { state in
            guard let inode = state.names[path] else { return }
            state.inodes[inode]?.bytes = SparseBytes(bytes)
            state.inodes[inode]?.durable = SparseBytes(bytes)
        }
    }

    // MARK: Files

    private func withFile<Result>(
        _ file: SimulatedFile, _ operation: Operation?, _ body: (inout Inode, inout State) throws(StorageError) -> Result
    ) throws(StorageError) -> Result {
        try state.withLock { (state) throws(StorageError) -> Result in
            guard file.epoch == state.epoch, !state.isDead, var inode = state.inodes[file.inode] else {
                throw .io(path: file.path, operation: "use after a power cut", errno: EIO)
            }
            if let operation { try Self.check(operation, path: file.path, in: &state) }
            defer { state.inodes[file.inode] = inode }
            return try body(&inode, &state)
        }
    }

    fileprivate func write(_ bytes: [UInt8], at offset: Int, to file: SimulatedFile) throws(StorageError) {
        try withFile(file, nil) { (inode, state) throws(StorageError) in
            var bytes = bytes
            state.operations += 1
            if state.isDead { throw .io(path: file.path, operation: "pwrite", errno: EIO) }
            // An injected fault cuts the write part way, as a full disk or a failing device does.
            var failure = state.fault?(.write(path: file.path))
            if failure != nil { bytes = Array(bytes.prefix(bytes.count / 2)) }
            if let capacity = state.capacity {
                // Other files' bytes, then what fits of this one: a write past it stops short.
                let end = capacity - Self.usedBytes(in: state, besides: file.inode)
                if offset + bytes.count > max(end, inode.bytes.size) {
                    bytes = Array(bytes.prefix(max(0, max(end, inode.bytes.size) - offset)))
                    failure = ENOSPC
                }
            }
            inode.bytes.write(bytes, at: offset)
            inode.volatile.append(.write(offset: offset, bytes: bytes))
            if let failure { throw .io(path: file.path, operation: "pwrite", errno: failure) }
        }
    }

    fileprivate func allocate(_ end: Int, for file: SimulatedFile) throws(StorageError) {
        try withFile(file, .allocate(path: file.path)) { (inode, state) throws(StorageError) in
            guard end > inode.bytes.size else { return }
            if let capacity = state.capacity, Self.usedBytes(in: state, besides: file.inode) + end > capacity {
                throw .io(path: file.path, operation: "posix_fallocate", errno: ENOSPC)
            }
            inode.bytes.resize(to: end)
            inode.volatile.append(.resize(end))
        }
    }

    fileprivate func resize(_ file: SimulatedFile, to size: Int) throws(StorageError) {
        try withFile(file, nil) { inode, _ in
            inode.bytes.resize(to: size)
            inode.volatile.append(.resize(size))
        }
    }

    fileprivate func sync(_ file: SimulatedFile) throws(StorageError) {
        if file.inode == 0 { return try syncDirectory(file.path) }
        try withFile(file, .sync(path: file.path)) { inode, _ in
            inode.durable = inode.bytes
            inode.volatile = []
        }
    }

    fileprivate func read(_ file: SimulatedFile, from start: Int, count: Int) throws(StorageError) -> [UInt8] {
        try withFile(file, nil) { inode, _ in inode.bytes.read(from: start, count: count) }
    }

    fileprivate func size(of file: SimulatedFile) throws(StorageError) -> Int {
        try withFile(file, nil) { inode, _ in inode.bytes.size }
    }

    fileprivate func lock(_ file: SimulatedFile, _ take: Bool) -> Bool {
        state.withLock { state in
            guard take else {
                state.locked.remove(file.path)
                return true
            }
            return state.locked.insert(file.path).inserted
        }
    }

    // MARK: Helpers

    /// Bytes of the files that have a name, but `inode`'s.
    private static func usedBytes(in state: State, besides inode: Int) -> Int {
        Set(state.names.values).subtracting([inode]).reduce(0) { $0 + (state.inodes[$1]?.bytes.size ?? 0) }
    }

    private static func check(_ operation: Operation, path: String, in state: inout State) throws(StorageError) {
        state.operations += 1
        if state.isDead { throw .io(path: path, operation: "\(operation)", errno: EIO) }
        if let code = state.fault?(operation) { throw .io(path: path, operation: "\(operation)", errno: code) }
    }

    private static func link(_ path: String, to inode: Int, in state: inout State) {
        state.names[path] = inode
        state.volatileNames[directory(of: path), default: []].append(.link(name: path, inode: inode))
    }

    private static func change(_ change: FileChange, of number: Int, in state: inout State) {
        guard var inode = state.inodes[number] else { return }
        if case let .resize(size) = change { inode.bytes.resize(to: size) }
        inode.volatile.append(change)
        state.inodes[number] = inode
    }
}

/// A file's bytes: those written, then zeros up to its size (allocated, never written),
/// kept implicit so a preallocation costs nothing to copy.
private struct SparseBytes {
    private var written: [UInt8] = []
    private(set) var size = 0

    init(_ bytes: [UInt8] = []) {
        written = bytes
        size = bytes.count
    }

    var all: [UInt8] { read(from: 0, count: size) }

    mutating func write(_ bytes: [UInt8], at offset: Int) {
        if written.count < offset + bytes.count { written.append(contentsOf: repeatElement(0, count: offset + bytes.count - written.count)) }
        written.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        size = max(size, offset + bytes.count)
    }

    mutating func resize(to newSize: Int) {
        if newSize < written.count { written.removeLast(written.count - newSize) }
        size = newSize
    }

    func read(from start: Int, count: Int) -> [UInt8] {
        let end = min(size, start + count)
        guard start < end else { return [] }
        var bytes = start < written.count ? Array(written[start..<min(end, written.count)]) : []
        bytes.append(contentsOf: repeatElement(0, count: end - start - bytes.count))
        return bytes
    }
}

/// A file open on a ``SimulatedDisk``; inode 0 is a directory (only fsynced).
private final class SimulatedFile: StorageFile {
    let disk: SimulatedDisk
    let path: String
    let inode: Int
    let epoch: Int
    /// The file offset, for writes without one: only the lock file and one-shot files use them.
    private let offset = Locked(0)

    init(disk: SimulatedDisk, path: String, inode: Int, epoch: Int) {
        self.disk = disk
        self.path = path
        self.inode = inode
        self.epoch = epoch
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        let start = offset.withLock { $0 }
        try disk.write(Array(bytes), at: start, to: self)
        offset.withLock { $0 = start + bytes.count }
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(StorageError) { try disk.write(bytes, at: offset, to: self) }
    func syncData() throws(StorageError) { try disk.sync(self) }
    func sync() throws(StorageError) { try disk.sync(self) }
    func preallocate(from offset: Int, length: Int) throws(StorageError) { try disk.allocate(offset + length, for: self) }
    func size() throws(StorageError) -> Int { try disk.size(of: self) }
    func truncate(to size: Int) throws(StorageError) { try disk.resize(self, to: size) }
    func read(from start: Int, count: Int) throws(StorageError) -> [UInt8] { try disk.read(self, from: start, count: count) }
    func tryLock() throws(StorageError) -> Bool { disk.lock(self, true) }
    func unlock() { _ = disk.lock(self, false) }
}
