/// When appended records reach the disk, as Redis's `appendfsync`. Every policy writes
/// each record to the kernel before the append returns, so a killed process loses
/// nothing it acknowledged; the policies differ on a power loss or kernel crash.
public enum FsyncPolicy: String, Sendable, CaseIterable, Codable {
    /// A write is acknowledged after an fsync that covers it; concurrent writers share
    /// one fsync (group commit). Nothing acknowledged is lost.
    case always
    /// A background fsync each second: at most about a second is lost. The default.
    case everysec
    /// The kernel flushes when it will.
    case no
}
