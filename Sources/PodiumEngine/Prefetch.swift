internal import PodiumPrefetch

/// Prefetches: lines asked for before they are needed, so that their cache misses overlap
/// other work (a walk, other members' lookups) instead of following it.
///
/// At 1M members an operation is a chain of cache misses, each waiting on the one before:
/// the id's hash bucket, its name slot (which holds its block), the block's ids, scores
/// and ties, the walk's block headers. Once the block is known, its entry lines and the
/// walk no longer depend on each other; a prefetch lets the CPU wait for both at once.
extension SkipList {
    /// Starts loading `block`'s member ids, which a scan for a member's slot reads.
    /// O(blockCapacity).
    @inline(__always)
    func prefetchIDs(of block: Int32) {
        prefetch(members, slots: slot(block, 0), count: blockCapacity)
    }

    /// Starts loading `block`'s scores. O(blockCapacity).
    @inline(__always)
    func prefetchScores(of block: Int32) {
        prefetch(scores, slots: slot(block, 0), count: blockCapacity)
    }

    /// Starts loading all of `block`'s entries and its header, which a write to it reads
    /// and changes. O(blockCapacity).
    @inline(__always)
    func prefetchEntries(of block: Int32) {
        prefetchHeader(of: block)
        prefetchIDs(of: block)
        prefetchScores(of: block)
        prefetch(ties, slots: slot(block, 0), count: blockCapacity)
    }

    /// Starts loading the entries of the block a key walked to by `path` goes to (unless a
    /// split or spill moves it on). O(blockCapacity).
    @inline(__always)
    func prefetchTarget(of path: Path) {
        prefetchEntries(of: path.blocks[0] == Self.head ? link(Self.head, 0).next : path.blocks[0])
    }

    /// Starts loading `block`'s header: its first score and its lowest links. O(1).
    @inline(__always)
    func prefetchHeader(of block: Int32) {
        prefetch(headers, slots: Int(block) &* Self.headerWords, count: Self.headerWords)
    }
}

/// Asks for every cache line of `array[slots ..< slots + count]`; a range outside `array`
/// asks for nothing. O(count).
@inline(__always)
func prefetch<Element: BitwiseCopyable>(_ array: [Element], slots start: Int, count: Int) {
    array.withUnsafeBytes { bytes in
        guard let base = bytes.baseAddress, start >= 0, count > 0, start + count <= array.count else { return }
        let stride = MemoryLayout<Element>.stride
        let first = UInt(bitPattern: base + start * stride) & ~UInt(cacheLineBytes - 1)
        let last = UInt(bitPattern: base + (start + count) * stride - 1)
        var line = first
        while line <= last {
            podium_prefetch(UnsafeRawPointer(bitPattern: line))
            line += UInt(cacheLineBytes)
        }
    }
}

private let cacheLineBytes = 64
