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
///   clients cannot aim collisions), holding `member + 1`; 0 marks an empty bucket.
///   Deletion shifts later entries back instead of leaving tombstones.
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
        let mask = table.count - 1
        var bucket = hash & mask
        while true {
            let stored = table[bucket]
            if stored == 0 { return (nil, bucket) }
            if stored > lowest, withBytes(of: stored - 1, { Self.equal($0, bytes) }) { return (stored - 1, bucket) }
            bucket = (bucket + 1) & mask
        }
    }

    /// The bucket `bytes` hashes to, where a lookup of it starts. O(length).
    func bucket(of bytes: UnsafeBufferPointer<UInt8>) -> Int {
        Self.hash(bytes) & (index.count - 1)
    }

    /// The member in `bucket`, if any: the first candidate of a lookup starting there. O(1).
    func member(inBucket bucket: Int) -> UInt32? {
        let stored = index[bucket]
        return stored == 0 ? nil : stored - 1
    }

    /// Starts loading `bucket` of the index. O(1).
    @inline(__always)
    func prefetchBucket(_ bucket: Int) {
        prefetch(index, slots: bucket, count: 1)
    }

    /// Starts loading the buckets where a lookup of an id whose ``hash(_:)`` is `hash`
    /// starts (two while the index grows). O(1).
    @inline(__always)
    func prefetchBuckets(ofHash hash: Int) {
        prefetch(index, slots: hash & (index.count - 1), count: 1)
        if isGrowing { prefetch(previousIndex, slots: hash & (previousIndex.count - 1), count: 1) }
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
            previousIndex[previousBucket] = member + 1
        } else {
            index[found.bucket] = member + 1
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
        let mask = index.count - 1
        var hole = withBytes(of: member) { Self.hash($0) } & mask
        while index[hole] != member + 1 { hole = (hole + 1) & mask }
        // Backward-shift deletion: move up each later entry of the probe run that may not
        // stay behind the hole (its home bucket is not cyclically in (hole, bucket]).
        var bucket = hole
        while true {
            bucket = (bucket + 1) & mask
            let stored = index[bucket]
            if stored == 0 { break }
            let home = withBytes(of: stored - 1) { Self.hash($0) } & mask
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
