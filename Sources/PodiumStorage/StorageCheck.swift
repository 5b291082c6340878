import Glibc

/// Offline verification and repair of a data directory: what `podium check` runs.
public enum StorageCheck {
    /// One file's verdict.
    public struct FileReport: Sendable, Equatable {
        public var file: String
        public var frames: Int
        public var validBytes: Int
        public var totalBytes: Int
        /// What is wrong, if anything; a torn tail of the last segment is reported here too.
        public var problem: String?
        /// Whether `repair` can fix it by cutting the file at `validBytes`.
        public var isRepairable: Bool
    }

    /// Verifies the manifest and every file it names, frame by frame, without loading
    /// boards. Takes the directory's lock: a live server's files are not checked under it.
    /// Encrypted files need their key in `keyring`.
    public static func check(path: String, keyring: any Keyring = PlainKeyring()) throws -> [FileReport] {
        let directory = try DataDirectory(path: path)
        return try check(directory, keyring: keyring)
    }

    /// Cuts each damaged log segment at its last valid record, after copying the bytes it
    /// drops to `FILE.damaged`, and drops the segments after it from the manifest (their
    /// records followed the damage). A damaged snapshot or manifest is not repairable: it
    /// is reported and left alone. Returns the reports from before the repair.
    public static func repair(path: String, keyring: any Keyring = PlainKeyring()) throws -> [FileReport] {
        let directory = try DataDirectory(path: path)
        let reports = try check(directory, keyring: keyring)
        guard let damaged = reports.first(where: { $0.problem != nil }), damaged.isRepairable else { return reports }
        let file = try directory.fileSystem.open(damaged.file, flags: O_RDWR)
        let bytes = try file.readAll()
        let backup = try directory.fileSystem.open(damaged.file + ".damaged", flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        try backup.write(Array(bytes[damaged.validBytes...]))
        try backup.sync()
        try file.truncate(to: damaged.validBytes)
        try file.sync()
        var manifest = try readManifest(directory)
        if let segment = manifest.segments.first(where: { directory.segmentPath($0) == damaged.file }) {
            let dropped = manifest.segments.filter { $0 > segment }
            manifest.segments.removeAll { $0 > segment }
            try directory.writeAtomically(manifest.encoded, to: directory.manifestPath)
            for later in dropped {
                try directory.fileSystem.rename(directory.segmentPath(later), to: directory.segmentPath(later) + ".damaged")
            }
        }
        return reports
    }

    static func check(_ directory: DataDirectory, keyring: any Keyring) throws -> [FileReport] {
        let manifest = try readManifest(directory)
        var reports: [FileReport] = []
        if let snapshot = manifest.snapshot {
            let path = directory.snapshotPath(snapshot)
            var boards = StoredState()
            let size = directory.fileSystem.size(of: path) ?? 0
            do {
                let bytes = try directory.fileSystem.open(path, flags: O_RDONLY).readAll()
                _ = try SnapshotReader.load(bytes, file: path, keyring: keyring, into: &boards)
                reports.append(FileReport(file: path, frames: 0, validBytes: size, totalBytes: size, problem: nil, isRepairable: false))
            } catch {
                reports.append(FileReport(file: path, frames: 0, validBytes: 0, totalBytes: size, problem: "\(error)", isRepairable: false))
            }
        }
        let lastWritten = try DurableStore.lastWrittenSegment(of: manifest, in: directory)
        for segment in manifest.segments {
            reports.append(try checkSegment(directory.segmentPath(segment), in: directory, keyring: keyring, isLast: segment >= lastWritten))
        }
        return reports
    }

    private static func checkSegment(_ path: String, in directory: DataDirectory, keyring: any Keyring, isLast: Bool) throws -> FileReport {
        let bytes = try directory.fileSystem.open(path, flags: O_RDONLY).readAll()
        var report = FileReport(file: path, frames: 0, validBytes: 0, totalBytes: bytes.count, problem: nil, isRepairable: true)
        do {
            let outcome = try FrameScanner.scanSegment(bytes, file: path, keyring: keyring) { _, _ in }
            report.frames = outcome.frames
            report.validBytes = outcome.validLength
            if outcome.tornBytes > 0 {
                report.problem = isLast
                    ? "\(outcome.tornBytes) bytes of a record a crash interrupted at the end (recovery cuts them)"
                    : "ends inside a record, \(outcome.tornBytes) bytes, before later segments"
            }
        } catch let StorageError.corrupt(_, offset, reason) {
            report.validBytes = offset
            report.problem = "damaged at byte \(offset): \(reason)"
            report.isRepairable = offset >= FrameScanner.prologueLength(bytes)
        } catch {
            report.problem = error.description
            report.isRepairable = false
        }
        return report
    }

    private static func readManifest(_ directory: DataDirectory) throws -> Manifest {
        try Manifest(decoding: directory.fileSystem.open(directory.manifestPath, flags: O_RDONLY).readAll(), file: directory.manifestPath)
    }
}
