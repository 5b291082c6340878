/// An unrolled skip list of sorted-set entries with per-link spans: the order-statistic
/// core of a leaderboard.
///
/// The span-carrying skip list of Redis `src/t_zset.c`, with these departures:
/// - **Fat nodes.** Each node is a *block* holding up to `blockCapacity` entries in key
///   order. At 1M members a one-entry-per-node list would pay 20-40 cache misses per rank
///   walk (issue 3's estimate, ~170 ns each here); blocks of 96, ~80% full, shrink the list
///   ~75x, so its upper levels stay in cache and a walk ends in one short scan.
/// - **Integer links, struct-of-arrays.** Blocks are indices into flat arrays and entries
///   live in flat per-field arrays (`scores`, `ties`, `members`): no object per node, no
///   retain/release while walking, and freed blocks are reused from a free list.
/// - **Interned members.** An entry holds its member's 4-byte index into ``MemberTable``.
/// - **One cache line a step.** A walk compares the key with a block's first score, then
///   follows that block's link. Both sit in the block's 32-byte `header` (first score,
///   links at levels 0 and 1), so a step costs one cache line, not two or three; 94% of
///   blocks have no other level. Levels from 2 up live in `upperLinks`, in towers reused
///   by height from free lists. Measured at 1M members against per-field arrays: update
///   p50 2.32 -> 2.12 us, rank 1.13 -> 1.03 us.
/// - **A block's entries prefetched.** Once a member's block is known, its entry lines
///   are asked for before the walk (Prefetch.swift), so their misses overlap the walk's:
///   at 1M members, update 0.75-0.80x the time, rank 0.86x.
///
/// Spans count entries: the link of block `x` at level `l` spans the entries from the
/// first of `x` up to the first of its successor at that level (to the end of the list
/// when there is none). Block 0 is the head: it holds no entries and has every level.
struct SkipList {
    static let maxLevel = 16
    static let head: Int32 = 0
    static let none: Int32 = -1

    struct Link: Hashable {
        var next: Int32
        var span: Int32
    }

    /// Entries per block. Tests use tiny blocks to exercise splits and merges.
    let blockCapacity: Int

    /// Per block: live entries, height, and where its links from level 2 up start in
    /// `upperLinks` (meaningless for blocks of height 1 or 2).
    var counts: [Int32] = [0]
    var levels: [UInt8] = [UInt8(maxLevel)]
    var towers: [Int32] = [0]
    /// Per block, `headerWords` words: its first entry's score, then its links at levels 0
    /// and 1 packed as `next | span << 32`, then padding to 32 bytes.
    var headers: [UInt64] = [0, packedEmptyLink, packedEmptyLink, 0]
    /// Links from level 2 up, a tower per block; the head's comes first.
    var upperLinks: [Link] = Array(repeating: Link(next: none, span: 0), count: maxLevel - 2)
    /// Free towers of `upperLinks` by block height.
    var freeTowers: [[Int32]] = Array(repeating: [], count: maxLevel + 1)

    static let headerWords = 4
    static let packedEmptyLink = UInt64(UInt32(bitPattern: none))
    /// Per entry slot `block * blockCapacity + position`.
    var scores: [UInt64]
    var ties: [UInt64]
    var members: [UInt32]
    /// The interned members; each one's payload is the block holding its entry.
    var names = MemberTable()
    var freeBlocks: [Int32] = []
    /// Levels in use: the head's links at `height...` are idle.
    var height = 1
    /// Entries in the list.
    var count = 0
    /// Block heights: the same sequence on every run.
    private var levelGenerator = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)

    init(blockCapacity: Int) {
        precondition(blockCapacity >= 2)
        self.blockCapacity = blockCapacity
        scores = Array(repeating: 0, count: blockCapacity)
        ties = Array(repeating: 0, count: blockCapacity)
        members = Array(repeating: 0, count: blockCapacity)
    }

    // MARK: Addressing

    @inline(__always) func slot(_ block: Int32, _ position: Int) -> Int {
        Int(block) * blockCapacity + position
    }

    @inline(__always) func link(_ block: Int32, _ level: Int) -> Link {
        if level < 2 {
            let word = headers[Int(block) &* Self.headerWords &+ 1 &+ level]
            return Link(next: Int32(truncatingIfNeeded: word), span: Int32(truncatingIfNeeded: word >> 32))
        }
        return upperLinks[Int(towers[Int(block)]) &+ level &- 2]
    }

    @inline(__always) mutating func setLink(_ block: Int32, _ level: Int, _ link: Link) {
        if level < 2 {
            headers[Int(block) &* Self.headerWords &+ 1 &+ level] =
                UInt64(UInt32(bitPattern: link.next)) | UInt64(UInt32(bitPattern: link.span)) << 32
        } else {
            upperLinks[Int(towers[Int(block)]) &+ level &- 2] = link
        }
    }

    @inline(__always) mutating func addToSpan(_ block: Int32, _ level: Int, _ delta: Int32) {
        var changed = link(block, level)
        changed.span &+= delta
        setLink(block, level, changed)
    }

    /// The score of `block`'s first entry. O(1).
    @inline(__always) func firstScore(_ block: Int32) -> UInt64 {
        headers[Int(block) &* Self.headerWords]
    }

    /// The block holding `member`'s entry. O(1).
    @inline(__always) func block(of member: UInt32) -> Int32 {
        Int32(bitPattern: names.payload(of: member))
    }

    @inline(__always) mutating func setBlock(_ block: Int32, of member: UInt32) {
        names.setPayload(UInt32(bitPattern: block), of: member)
    }

    @inline(__always) func key(at slot: Int) -> SortKey {
        SortKey(score: scores[slot], tie: ties[slot], member: members[slot])
    }

    /// Writes `key` into entry slot `slot` (its block's count and first score are the
    /// caller's to fix). O(1).
    @inline(__always) mutating func setKey(_ key: SortKey, at slot: Int) {
        scores[slot] = key.score
        ties[slot] = key.tie
        members[slot] = key.member
    }

    @inline(__always) func firstKey(_ block: Int32) -> SortKey {
        key(at: slot(block, 0))
    }

    /// Moves `count` entries from slot `source` to slot `target` in every entry array, as
    /// `memmove`: the ranges may overlap. O(count). (Element-wise copies through the
    /// arrays' subscripts cost ~10x the instructions, callgrind.)
    @inline(__always)
    mutating func moveEntries(from source: Int, to target: Int, count: Int) {
        Self.move(&scores, from: source, to: target, count: count)
        Self.move(&ties, from: source, to: target, count: count)
        Self.move(&members, from: source, to: target, count: count)
    }

    @inline(__always)
    private static func move<Element: BitwiseCopyable>(_ array: inout [Element], from source: Int, to target: Int, count: Int) {
        precondition(count >= 0 && source >= 0 && target >= 0 && max(source, target) + count <= array.count)
        array.withUnsafeMutableBytes { bytes in
            let stride = MemoryLayout<Element>.stride
            guard count > 0, let base = bytes.baseAddress else { return }
            (base + target * stride).copyMemory(from: base + source * stride, byteCount: count * stride)
        }
    }

    /// Whether `block`'s first entry ranks before `key`; reads the entry itself only when
    /// the scores are equal. O(1).
    @inline(__always)
    func startsBefore(_ block: Int32, _ key: SortKey) -> Bool {
        let first = firstScore(block)
        if first != key.score { return first < key.score }
        return precedes(firstKey(block), key)
    }

    /// Records `block`'s first score after its front may have changed (an empty block's is
    /// meaningless and never read: empty blocks are unlinked). O(1).
    @inline(__always)
    mutating func refreshFirstScore(_ block: Int32) {
        headers[Int(block) &* Self.headerWords] = scores[slot(block, 0)]
    }

    // MARK: Order

    /// Whether `a` ranks before `b`. O(1), or O(id length) when a `member` board's ids
    /// share their first 8 bytes.
    ///
    /// Equal `(score, tie)` pairs of two members fall back to member bytes on every board,
    /// so the order is total: an `earliest` board never hands out a stamp twice, but a
    /// data file can hold two members with one score and stamp, and they must still have
    /// one place each.
    @inline(__always)
    func precedes(_ a: SortKey, _ b: SortKey) -> Bool {
        if a.score != b.score { return a.score < b.score }
        if a.tie != b.tie { return a.tie < b.tie }
        if a.member == b.member { return false }
        if a.member == SortKey.boundMember { return true }
        if b.member == SortKey.boundMember { return false }
        return names.precedes(a.member, b.member)
    }

    /// Entries of `block` that rank before `key`. O(log blockCapacity), plus the entries
    /// with `key`'s score.
    ///
    /// A branch-free binary search of the scores, then a step over equal scores. A write's
    /// block has its entry lines asked for before (Prefetch.swift), so the search's loads
    /// hit; a linear count of smaller scores, vectorised, was slower on x86-64's baseline
    /// (SSE2 has no 64-bit compare: each lane costs a dozen instructions): at 1M members
    /// update 0.96x the time, insert 0.93x, at 10k update 0.90x, count 0.72x.
    func lowerBound(_ key: SortKey, in block: Int32) -> Int {
        let base = slot(block, 0), count = Int(counts[Int(block)])
        var position = scores.withUnsafeBufferPointer { all in
            let scores = UnsafeBufferPointer(rebasing: all[base ..< base + count])
            // The answer lies in `low ... low + length`.
            var low = 0, length = count
            while length > 1 {
                let half = length &>> 1
                // `score < wanted` as a 0 or 1 computed, not compared (Hacker's Delight 2-12,
                // the sign of the unsigned borrow): from a compare, the compiler chose `low`
                // with a branch, mispredicted half the time.
                let score = scores[low &+ half &- 1], wanted = key.score
                let smaller = ((~score & wanted) | ((~score | wanted) & (score &- wanted))) &>> 63
                low &+= half & Int(bitPattern: UInt(0 &- smaller))
                length &-= half
            }
            return length == 1 && scores[low] < key.score ? low + 1 : low
        }
        while position < count, scores[base + position] == key.score, precedes(self.key(at: base + position), key) {
            position += 1
        }
        return position
    }

    // MARK: Search

    /// Per level, a block and its rank (entries before it).
    struct Path {
        var blocks = InlineArray<16, Int32>(repeating: SkipList.head)
        var ranks = InlineArray<16, Int>(repeating: 0)
    }

    /// Per level, the last block whose first entry ranks before `key` (the head when none
    /// does), with its rank. O(log n).
    func predecessors(of key: SortKey) -> Path {
        var path = Path()
        descend(&path, towards: key, from: Self.head, rank: 0, levels: 0..<height)
        return path
    }

    /// Walks `levels` of `path` towards `key`, from the top one down, starting at `block`
    /// of rank `rank`: the head, or where the walk to `key` is on the level above. A walk
    /// can so be taken in parts, other work between them. O(log n).
    @inline(__always)
    func descend(_ path: inout Path, towards key: SortKey, from block: Int32, rank: Int, levels: Range<Int>) {
        var block = block, rank = rank, level = levels.upperBound
        while level > levels.lowerBound {
            level -= 1
            while step(&block, &rank, level: level, towards: key) {}
            path.blocks[level] = block
            path.ranks[level] = rank
        }
    }

    /// One step of a walk towards `key` at `level`: follows `block`'s link, counting its
    /// span into `rank`, when the next block starts before `key`; false at the level's end.
    @inline(__always)
    func step(_ block: inout Int32, _ rank: inout Int, level: Int, towards key: SortKey) -> Bool {
        let link = self.link(block, level)
        guard link.next != Self.none, startsBefore(link.next, key) else { return false }
        rank += Int(link.span)
        block = link.next
        return true
    }

    /// Per level, the last block at or before `block` (the links whose spans cover
    /// `block`'s entries), given `block`'s rank and its strict predecessors. O(height).
    func covers(of block: Int32, rank: Int, predecessors: Path) -> Path {
        var path = predecessors
        for level in 0..<Int(levels[Int(block)]) {
            path.blocks[level] = block
            path.ranks[level] = rank
        }
        return path
    }

    /// Adds `delta` to the spans of the links over `block`'s entries, whose strict
    /// predecessors are `predecessors`: its own links up to its height, theirs above, as
    /// ``covers(of:rank:predecessors:)`` gives, without copying a path. O(height).
    @inline(__always)
    mutating func addToSpans(over block: Int32, predecessors: Path, _ delta: Int32) {
        let own = Int(levels[Int(block)])
        // Read through a span: indexing the inline array in the loop copied all of it
        // at every step (perf: half of an in-cache insertion's samples).
        let blocks = predecessors.blocks.span
        for level in 0..<own { addToSpan(block, level, delta) }
        for level in own..<height { addToSpan(blocks[level], level, delta) }
    }

    // MARK: Blocks

    /// A fresh block of random height, not linked yet. O(1) amortized.
    mutating func allocateBlock() -> Int32 {
        let level = randomLevel()
        var tower: Int32 = -1
        if level > 2 {
            if let reused = freeTowers[level].popLast() {
                tower = reused
            } else {
                tower = Int32(upperLinks.count)
                upperLinks.append(contentsOf: repeatElement(Link(next: Self.none, span: 0), count: level - 2))
            }
        }
        if let reused = freeBlocks.popLast() {
            levels[Int(reused)] = UInt8(level)
            towers[Int(reused)] = tower
            return reused
        }
        let block = Int32(counts.count)
        counts.append(0)
        headers.append(contentsOf: [0, Self.packedEmptyLink, Self.packedEmptyLink, 0])
        levels.append(UInt8(level))
        towers.append(tower)
        scores.append(contentsOf: repeatElement(0, count: blockCapacity))
        ties.append(contentsOf: repeatElement(0, count: blockCapacity))
        members.append(contentsOf: repeatElement(0, count: blockCapacity))
        return block
    }

    /// Heights with P(level > l) = 4^-l, as Redis's `ZSKIPLIST_P` of 1/4.
    private mutating func randomLevel() -> Int {
        min(1 + levelGenerator.next().trailingZeroBitCount / 2, Self.maxLevel)
    }

    /// Makes room for `blocks` past the head. O(n).
    mutating func reserve(blocks: Int) {
        counts.reserveCapacity(blocks + 1)
        headers.reserveCapacity((blocks + 1) * Self.headerWords)
        levels.reserveCapacity(blocks + 1)
        towers.reserveCapacity(blocks + 1)
        upperLinks.reserveCapacity(Self.maxLevel + blocks / 8)
        scores.reserveCapacity((blocks + 1) * blockCapacity)
        ties.reserveCapacity((blocks + 1) * blockCapacity)
        members.reserveCapacity((blocks + 1) * blockCapacity)
    }
}
