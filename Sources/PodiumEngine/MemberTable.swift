/// Interns member ids: each live member gets a small integer index, and its bytes are
/// stored once. The skip list stores these 4-byte indices, never strings.
///
/// Layout (at 1M members with 14-byte ids: 20 bytes of slots and ~8 of index a member):
/// - `slots`: 20 bytes per index. Bytes 0..<4 hold a payload for the owner (the skip list
///   keeps the member's block there: the lookup that verifies the id has its cache line
///   in hand, which saves a cache miss per operation against a separate array). Byte 4 is
///   the id's length. Ids of up to 15 bytes are stored inline in bytes 5..<20; longer ones
///   in `longNames`, at the offset held in bytes 8..<12, in a chunk rounded up to 16
///   bytes whose free chunks are reused by size.
/// - `index`: open addressing with linear probing over `Hasher` (seeded per process, so
///   clients cannot aim collisions). A table of 2^k buckets holds `member + 1` in each
///   bucket's low k bits (0 marks an empty bucket) and a tag above them: the top 32 - k
///   bits of the id's hash. A probe reads the slot (a cache miss at 1M members) only of
///   ids whose tag matches: at 1M (k = 21, half full) a lookup passes ~0.5 other ids on
///   average, an insert ~1.8, and 11 tag bits turn all but 1 in 2,048 of those misses
///   away. Deletion shifts later entries back instead of leaving tombstones.
/// - Growing: when the index is 3/4 full it doubles, and its members move to the new one
///   a few per write (MemberTable+Growth.swift).
struct MemberTable {
    private static let slotStride = 20
    private static let lengthOffset = 4, nameOffset = 5, longNameOffset = 8
    private static let inlineCapacity = 15
    static let maxLoadNumerator = 3, maxLoadDenominator = 4

    private var slots: [UInt8] = []
    private var longNames: [UInt8] = []
    /// Free chunks of `longNames`, by size class (`length` rounded up to 16, divided by 16).
    private var freeLongChunks: [[UInt32]] = Array(repeating: [], count: MemberID.maxByteCount / 16 + 1)
    private var freeMembers: [UInt32] = []
    /// The hash index. It, `previousIndex` and `moved` change here and as the index grows
    /// (MemberTable+Growth.swift).
    var index: [UInt32] = Array(repeating: 0, count: 16)
    /// While the index grows, the one before it: members from `moved` up are still found
    /// there (entries below `moved` are stale and skipped); empty when not growing.
    var previousIndex: [UInt32] = []
    /// While the index grows, members below this are in `index`, the others in
    /// `previousIndex`.
    var moved = 0
    /// Live members.
    private(set) var count = 0

    /// One past the largest index ever handed out: the size of per-member side tables.
    var indexLimit: Int { slots.count / Self.slotStride }

    /// The bucket `member`, whose id's ``hash(_:)`` is `hash`, takes in a table of 2^`bits`
    /// buckets: its index + 1 under its tag. `member + 1` fits in `bits` bits: a table
    /// of 2^k buckets is at most 3/4 full, and members are numbered densely (freed numbers
    /// are reused first), so every member is below 3/4 · 2^k; while the index grows, the
    /// old table (k - 1) takes new members until the move ends, within 1/7 more of them
    /// (MemberTable+Growth.swift), below 6/7 · 2^(k-1). O(1).
    @inline(__always)
    static func bucketEntry(member: UInt32, hash: Int, bits: Int) -> UInt32 {
        precondition(member < memberMask(bits: bits), "member \(member) past a table of 2^\(bits) buckets")
        return tag(ofHash: hash, bits: bits) << bits | (member + 1)
    }

    /// The member in a non-empty bucket `entry` of a table of 2^`bits` buckets. O(1).
    @inline(__always)
    static func member(in entry: UInt32, bits: Int) -> UInt32 {
        (entry & memberMask(bits: bits)) &- 1
    }

    /// The tag of an id whose ``hash(_:)`` is `hash` in a table of 2^`bits` buckets: the
    /// hash's top 32 - `bits` bits (the low ones pick the bucket). O(1).
    @inline(__always)
    static func tag(ofHash hash: Int, bits: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt(bitPattern: hash) >> (UInt.bitWidth - 32)) >> bits
    }

    @inline(__always)
    private static func memberMask(bits: Int) -> UInt32 { UInt32.max >> (32 - bits) }

    /// The bits of `table`'s bucket numbers: log2 of its size. O(1).
    @inline(__always)
    static func bits(of table: [UInt32]) -> Int { table.count.trailingZeroBitCount }

    /// The index of the member whose id is `bytes`, if it is interned. O(1) expected.
    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        locate(bytes, hash: Self.hash(bytes)).member
    }

    /// Where `bytes`, whose ``hash(_:)`` is `hash`, is: its member, or the empty buckets
    /// that end its probe runs in `index` and (while the index grows) in `previousIndex`.
    /// O(1) expected.
    private func locate(
        _ bytes: UnsafeBufferPointer<UInt8>, hash: Int
    ) -> (member: UInt32?, bucket: Int, previousBucket: Int?) {
        // Both tables' buckets load at once.
        if isGrowing { prefetch(previousIndex, slots: hash & (previousIndex.count - 1), count: 1) }
        let inIndex = search(index, hash: hash, for: bytes)
        guard inIndex.member == nil, isGrowing else { return (inIndex.member, inIndex.bucket, nil) }
        let inPrevious = search(previousIndex, hash: hash, for: bytes, from: moved)
        return (inPrevious.member, inIndex.bucket, inPrevious.bucket)
    }

    /// Where `bytes` is in `table`, among members from `lowest` up; or, when it is not
    /// there, the empty bucket that ends its probe run. O(1) expected.
    @inline(__always)
    private func search(
        _ table: [UInt32], hash: Int, for bytes: UnsafeBufferPointer<UInt8>, from lowest: Int = 0
    ) -> (member: UInt32?, bucket: Int) {
        let mask = table.count - 1, bits = Self.bits(of: table), tag = Self.tag(ofHash: hash, bits: bits)
        var bucket = hash & mask
        while true {
            let stored = table[bucket]
            if stored == 0 { return (nil, bucket) }
            let member = Self.member(in: stored, bits: bits)
            if stored >> bits == tag, member >= lowest, withBytes(of: member, { Self.equal($0, bytes) }) {
                return (member, bucket)
            }
            bucket = (bucket + 1) & mask
        }
    }

    /// The first member of the index whose tag matches an id whose ``hash(_:)`` is `hash`:
    /// that id's member, most likely, if it is in the index. Reads no slot. O(1) expected.
    func candidate(ofHash hash: Int) -> UInt32? {
        let mask = index.count - 1, bits = Self.bits(of: index), tag = Self.tag(ofHash: hash, bits: bits)
        var bucket = hash & mask
        while true {
            let stored = index[bucket]
            if stored == 0 { return nil }
            if stored >> bits == tag { return Self.member(in: stored, bits: bits) }
            bucket = (bucket + 1) & mask
        }
    }

    /// Starts loading the buckets where a lookup of an id whose ``hash(_:)`` is `hash`
    /// starts (two while the index grows). O(1).
    @inline(__always)
    func prefetchBuckets(ofHash hash: Int) {
        prefetch(index, slots: hash & (index.count - 1), count: 1)
        if isGrowing { prefetch(previousIndex, slots: hash & (previousIndex.count - 1), count: 1) }
    }

    /// Starts loading the slot of ``candidate(ofHash:)``, once its bucket is in (it waits
    /// for it). O(1) expected.
    @inline(__always)
    func prefetchCandidateSlot(ofHash hash: Int) {
        if let member = candidate(ofHash: hash) { prefetchSlot(of: member) }
    }

    /// Starts loading `member`'s slot: its payload and its id, or where its id is. O(1).
    @inline(__always)
    func prefetchSlot(of member: UInt32) {
        prefetch(slots, slots: Int(member) * Self.slotStride, count: Self.slotStride)
    }

    /// The index of `bytes`, interned first if it is not yet: one hash, one probe run (two
    /// while the index grows). O(1): the index doubles when 3/4 full, and its members
    /// move a few per call; only the doubled index's allocation is O(n).
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        intern(bytes, hash: Self.hash(bytes))
    }

    /// ``intern(_:)`` of `bytes`, whose ``hash(_:)`` is `hash`. O(1) amortised.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, hash: Int) -> UInt32 {
        makeRoomForOne()
        let found = locate(bytes, hash: hash)
        if let member = found.member { return member }
        let member = allocateSlot()
        store(bytes, at: member)
        if let previousBucket = found.previousBucket, member >= moved {
            previousIndex[previousBucket] = Self.bucketEntry(member: member, hash: hash, bits: Self.bits(of: previousIndex))
        } else {
            index[found.bucket] = Self.bucketEntry(member: member, hash: hash, bits: Self.bits(of: index))
        }
        count += 1
        return member
    }

    /// Makes room for `count` members without rehashing on the way. O(capacity).
    mutating func reserveCapacity(_ count: Int) {
        if isGrowing { moveMembers(upTo: indexLimit) }
        var capacity = index.count
        while count * Self.maxLoadDenominator > capacity * Self.maxLoadNumerator { capacity *= 2 }
        if capacity > index.count { rehash(capacity: capacity) }
        slots.reserveCapacity(count * Self.slotStride)
    }

    /// Forgets `member`; its index and storage are reused by later inserts. O(1) expected.
    mutating func remove(_ member: UInt32) {
        // The table is taken out of `self` while it changes: the shift reads ids from `slots`.
        var table: [UInt32] = []
        let fromPrevious = isGrowing && member >= moved
        if fromPrevious { swap(&table, &previousIndex) } else { swap(&table, &index) }
        remove(member, from: &table)
        if fromPrevious { swap(&table, &previousIndex) } else { swap(&table, &index) }
        releaseStorage(of: member)
        freeMembers.append(member)
        count -= 1
    }

    /// Removes `member`'s entry from `table`. Stale entries of a previous index may be
    /// shifted as if their slots' ids were theirs: they are skipped anyway, and each live
    /// entry still has no empty bucket between its home and itself. O(1) expected.
    private func remove(_ member: UInt32, from index: inout [UInt32]) {
        let mask = index.count - 1, bits = Self.bits(of: index)
        var hole = withBytes(of: member) { Self.hash($0) } & mask
        while index[hole] == 0 || Self.member(in: index[hole], bits: bits) != member { hole = (hole + 1) & mask }
        // Backward-shift deletion: move up each later entry of the probe run that may not
        // stay behind the hole (its home bucket is not cyclically in (hole, bucket]).
        var bucket = hole
        while true {
            bucket = (bucket + 1) & mask
            let stored = index[bucket]
            if stored == 0 { break }
            let home = withBytes(of: Self.member(in: stored, bits: bits)) { Self.hash($0) } & mask
            let staysPut = hole <= bucket ? (hole < home && home <= bucket) : (hole < home || home <= bucket)
            if !staysPut {
                index[hole] = stored
                hole = bucket
            }
        }
        index[hole] = 0
    }

    /// Counts the table's arrays into `footprint`. O(1).
    func addFootprint(to footprint: inout MemoryFootprint) {
        footprint.add(slots)
        footprint.add(longNames)
        footprint.add(freeLongChunks)
        for chunks in freeLongChunks { footprint.add(chunks) }
        footprint.add(freeMembers)
        footprint.add(index)
        footprint.add(previousIndex)
    }

    /// Calls `body` with the bytes of `member`'s id. O(1).
    @inline(__always)
    func withBytes<R>(of member: UInt32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let base = Int(member) * Self.slotStride
        let length = Int(slots[base + Self.lengthOffset])
        if length <= Self.inlineCapacity {
            let start = base + Self.nameOffset
            return slots.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start ..< start + length])) }
        }
        let offset = Int(readWord(at: base + Self.longNameOffset))
        return longNames.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[offset ..< offset + length])) }
    }

    /// The id of `member`. O(length); ids of up to 15 bytes need no allocation.
    func name(of member: UInt32) -> String {
        withBytes(of: member) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether `a`'s id sorts before `b`'s in bytewise order. O(length).
    func precedes(_ a: UInt32, _ b: UInt32) -> Bool {
        withBytes(of: a) { first in
            withBytes(of: b) { second in first.lexicographicallyPrecedes(second) }
        }
    }

    /// Whether `member`'s slot holds an id (ids are never empty). O(1).
    func slotIsLive(_ member: UInt32) -> Bool {
        slots[Int(member) * Self.slotStride + Self.lengthOffset] != 0
    }

    /// The owner's 4-byte payload of `member`. O(1).
    @inline(__always)
    func payload(of member: UInt32) -> UInt32 {
        readWord(at: Int(member) * Self.slotStride)
    }

    @inline(__always)
    mutating func setPayload(_ payload: UInt32, of member: UInt32) {
        writeWord(payload, at: Int(member) * Self.slotStride)
    }

    /// Byte equality 8 bytes at a time: the generic `elementsEqual` cost ~370 instructions
    /// a call here (callgrind), this ~15 for a 14-byte id. O(length).
    @inline(__always)
    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let left = a.baseAddress.map(UnsafeRawPointer.init), let right = b.baseAddress.map(UnsafeRawPointer.init)
        else { return true }  // both empty
        var offset = 0
        while offset + 8 <= a.count {
            if left.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != right.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            {
                return false
            }
            offset += 8
        }
        while offset < a.count {
            if a[offset] != b[offset] { return false }
            offset += 1
        }
        return true
    }

    /// Where `bytes` lives in the index: `Hasher`, seeded per process. O(length).
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }

    private mutating func allocateSlot() -> UInt32 {
        if let reused = freeMembers.popLast() { return reused }
        let member = UInt32(indexLimit)
        slots.append(contentsOf: repeatElement(0, count: Self.slotStride))
        return member
    }

    private mutating func store(_ bytes: UnsafeBufferPointer<UInt8>, at member: UInt32) {
        let base = Int(member) * Self.slotStride
        slots[base + Self.lengthOffset] = UInt8(bytes.count)
        if bytes.count <= Self.inlineCapacity {
            for (offset, byte) in bytes.enumerated() { slots[base + Self.nameOffset + offset] = byte }
            return
        }
        let sizeClass = (bytes.count + 15) / 16
        let offset: Int
        if let reused = freeLongChunks[sizeClass].popLast() {
            offset = Int(reused)
        } else {
            offset = longNames.count
            longNames.append(contentsOf: repeatElement(0, count: sizeClass * 16))
        }
        for (position, byte) in bytes.enumerated() { longNames[offset + position] = byte }
        writeWord(UInt32(offset), at: base + Self.longNameOffset)
    }

    private mutating func releaseStorage(of member: UInt32) {
        let base = Int(member) * Self.slotStride
        let length = Int(slots[base + Self.lengthOffset])
        if length > Self.inlineCapacity {
            freeLongChunks[(length + 15) / 16].append(readWord(at: base + Self.longNameOffset))
        }
        slots[base + Self.lengthOffset] = 0
    }

    /// A 4-byte word of `slots` at a multiple of 4 (slots are 20 bytes, so words align).
    @inline(__always)
    private func readWord(at offset: Int) -> UInt32 {
        slots.withUnsafeBytes { $0.load(fromByteOffset: offset, as: UInt32.self) }
    }

    @inline(__always)
    private mutating func writeWord(_ word: UInt32, at offset: Int) {
        slots.withUnsafeMutableBytes { $0.storeBytes(of: word, toByteOffset: offset, as: UInt32.self) }
    }
}
