/// A leaderboard: members with scores, kept in rank order under a board's rules.
///
/// Every operation is O(log n) in the board size n, plus the size of what it returns
/// (and of the member ids it reads). A value type: a copy is an independent board
/// (copy-on-write of its storage).
public struct Leaderboard: Sendable {
    /// Entries per skip-list block. At 1M members 96 measured best since a block's entries
    /// are prefetched (fewer headers to walk; a bigger block costs lines fetched at once,
    /// not waits); 64 before (BENCHMARKS.md).
    public static let defaultBlockCapacity = 96

    public let config: BoardConfig
    var list: SkipList
    /// The last `earliest` tie stamp handed out: stamps grow with every score change.
    public internal(set) var lastStamp: UInt64 = 0
    /// Metadata of the members that have some, by interned id: beside the hot arrays, so a
    /// member without metadata costs nothing (Leaderboard+Metadata.swift).
    var metadata: [UInt32: [UInt8]] = [:]

    /// An empty board. Throws ``LeaderboardError/invalidMaxSize`` for a `maxSize` below 1
    /// and ``LeaderboardError/invalidBounds`` for bounds that are not finite or cross.
    public init(config: BoardConfig = BoardConfig()) throws {
        try self.init(config: config, blockCapacity: Self.defaultBlockCapacity)
    }

    init(config: BoardConfig, blockCapacity: Int) throws {
        if let maxSize = config.maxSize, maxSize < 1 { throw LeaderboardError.invalidMaxSize }
        guard config.minScore?.isFinite ?? true, config.maxScore?.isFinite ?? true,
            (config.minScore ?? -.infinity) <= (config.maxScore ?? .infinity)
        else { throw LeaderboardError.invalidBounds }
        self.config = config
        list = SkipList(blockCapacity: blockCapacity)
    }

    /// Members on the board. O(1).
    public var count: Int { list.count }

    // MARK: Writes

    /// Submits `score` for `member` under `policy` (the board's own when `nil`).
    /// O(log n + blockCapacity).
    ///
    /// Throws ``LeaderboardError/invalidMember``, ``LeaderboardError/invalidScore`` for
    /// a non-finite score or increment result, or ``LeaderboardError/scoreOutOfBounds``;
    /// a refused call changes nothing.
    public mutating func submit(member: String, score: Double, policy: UpdatePolicy? = nil) throws -> ScoreUpdate {
        guard score.isFinite else { throw LeaderboardError.invalidScore }
        let policy = policy ?? config.update
        var id = member
        return try id.withUTF8 { bytes in
            try validate(bytes)
            // An increment's total is checked where it is known; a new member's total is
            // the score itself, checked here before its id is interned.
            if config.isBounded, policy != .increment || list.names.find(bytes) == nil, !config.allows(score) {
                throw LeaderboardError.scoreOutOfBounds
            }
            // One hash for both cases: a new id is interned here, and `insert` places it.
            let hash = MemberTable.hash(bytes)
            list.names.prefetchBuckets(ofHash: hash)
            let walk = earlyWalk(to: score, policy: policy, hash: hash)
            let known = list.names.count
            let id = list.names.intern(bytes, hash: hash)
            if list.names.count == known { return try update(id, named: member, with: score, policy: policy, walk: walk) }
            return insert(id, bytes, named: member, score: score, walk: walk)
        }
    }

    /// The walk to where `score` goes, taken while the member's hash bucket and then its
    /// name slot load (two cache misses at 1M members, one after the other), with a
    /// prefetch of the block it ends at; `nil` when the
    /// key is not known before the member is (an increment, or a `member` tie-break,
    /// whose key holds the member's interned id) or is seldom needed: a `best` score
    /// mostly does not improve, and the walk and its prefetch made those submits ~6%
    /// slower at 1M members. O(log n).
    ///
    /// On an `earliest` board the new key's stamp is the next one, later than every
    /// entry's, so the key sorts after every equal score and its walk never reads an id.
    ///
    /// Not inlined: inlined, it made the rest of `submit` slower for increments (+5-7% at
    /// 10k members), more than returning the walk's path costs.
    @inline(never)
    private func earlyWalk(to score: Double, policy: UpdatePolicy, hash: Int) -> EarlyWalk? {
        guard policy == .set, config.tieBreak == .earliest else { return nil }
        let key = SortKey(score: config.order.sortScore(score), tie: lastStamp &+ 1, member: SortKey.boundMember)
        // The levels from `earlyWalkLevelSplit` up while the bucket loads; then, the bucket
        // read and the slot its tag points to asked for, the lowest levels while that slot
        // loads. At 1M members, update 0.88-0.93x the time of the walk in one piece; a
        // split at level 1 or 3 did as well.
        let split = min(Self.earlyWalkLevelSplit, list.height)
        var path = SkipList.Path()
        list.descend(&path, towards: key, from: SkipList.head, rank: 0, levels: split..<list.height)
        list.names.prefetchCandidateSlot(ofHash: hash)
        let (block, rank) = split < list.height ? (path.blocks[split], path.ranks[split]) : (SkipList.head, 0)
        list.descend(&path, towards: key, from: block, rank: rank, levels: 0..<split)
        list.prefetchTarget(of: path)
        return EarlyWalk(key: key, path: path)
    }

    private static let earlyWalkLevelSplit = 2

    /// Removes `member`; `nil` when it is not on the board. O(log n + blockCapacity).
    @discardableResult
    public mutating func remove(member: String) -> Removal? {
        guard let id = find(member) else { return nil }
        let entry = list.entrySlot(of: id)
        let key = list.key(at: entry)
        let index = list.remove(at: entry)
        list.names.remove(id)
        forgetMetadata(of: id)
        return Removal(member: member, score: config.order.score(fromSortScore: key.score), rank: index + 1)
    }

    /// Sets `entry.member`'s score and stamp exactly, as persisted: no policy, no
    /// `maxSize` eviction (a log records evictions as removals). O(log n + blockCapacity).
    public mutating func restore(_ entry: StoredEntry) throws {
        guard entry.score.isFinite else { throw LeaderboardError.invalidScore }
        let earliest = config.tieBreak == .earliest
        guard !earliest || (entry.stamp > 0 && entry.stamp < .max) else { throw LeaderboardError.invalidStamp }
        var member = entry.member
        try member.withUTF8 { bytes in
            try validate(bytes)
            let known = list.names.count
            let id = list.names.intern(bytes)
            let tie = earliest ? entry.stamp : memberPrefix(bytes)
            let key = SortKey(score: config.order.sortScore(entry.score), tie: tie, member: id)
            if list.names.count == known {
                list.move(at: list.entrySlot(of: id), to: key)
            } else {
                list.insert(key)
            }
        }
        if earliest { lastStamp = max(lastStamp, entry.stamp) }
    }

    // MARK: Internals

    private func validate(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard MemberID.isValid(bytes) else { throw LeaderboardError.invalidMember }
    }

    /// The interned index of `member`, if it is on the board. O(length).
    func find(_ member: String) -> UInt32? {
        var member = member
        return member.withUTF8 { list.names.find($0) }
    }

    /// Inlined into `submit`, as `insert` is: a call copied the walk's path (192 bytes)
    /// on the way (perf at 10k members: memmove 7% -> 10%).
    @inline(__always)
    private mutating func update(
        _ id: UInt32, named member: String, with score: Double, policy: UpdatePolicy, walk: EarlyWalk?
    ) throws -> ScoreUpdate {
        // Its ids, scores and ties at once: the entry's key then costs one wait, not two.
        let block = list.block(of: id)
        list.prefetchEntries(of: block)
        // The removal's walk to the block runs while they load. A walk to the new score
        // that ends at the member's own block stands in for it: the key stays there, and
        // the walk gives the block's rank.
        let walkEndsInBlock = walk?.path.blocks[0] == block
        let removalPath = if let walk, walkEndsInBlock { walk.path } else { list.predecessors(ofBlock: block) }
        let entry = list.entrySlot(of: id)
        let oldKey = list.key(at: entry)
        let oldScore = config.order.score(fromSortScore: oldKey.score)
        let newScore: Double
        switch policy {
        case .best: newScore = config.order.sortScore(score) < oldKey.score ? score : oldScore
        case .set: newScore = score
        case .increment: newScore = oldScore + score
        }
        guard newScore.isFinite else { throw LeaderboardError.invalidScore }
        guard policy != .increment || config.allows(newScore) else { throw LeaderboardError.scoreOutOfBounds }
        let newSortScore = config.order.sortScore(newScore)
        if newSortScore == oldKey.score {
            let rank = list.firstRank(of: block, predecessors: removalPath) + entry % list.blockCapacity + 1
            return ScoreUpdate(
                member: member, score: oldScore, rank: rank, previousScore: oldScore, previousRank: rank,
                changed: false, stamp: stamp(of: oldKey), evicted: nil)
        }
        let tie = config.tieBreak == .earliest ? nextStamp() : oldKey.tie
        let newKey = SortKey(score: newSortScore, tie: tie, member: id)
        let (previousIndex, index) =
            if let walk, walk.leads(to: newKey) {
                list.move(at: entry, from: removalPath, to: newKey, along: walk.path)
            } else {
                // (Where the walk stood in, its path is not the removal's.)
                list.move(at: entry, from: walkEndsInBlock ? list.predecessors(ofBlock: block) : removalPath, to: newKey)
            }
        return ScoreUpdate(
            member: member, score: config.order.score(fromSortScore: newSortScore), rank: index + 1,
            previousScore: oldScore, previousRank: previousIndex + 1, changed: true, stamp: stamp(of: newKey),
            evicted: nil)
    }

    /// Places `id`, just interned for `bytes`, on the board, along `walk` when it is the
    /// walk to its key.
    @inline(__always)
    private mutating func insert(
        _ id: UInt32, _ bytes: UnsafeBufferPointer<UInt8>, named member: String, score: Double, walk: EarlyWalk?
    ) -> ScoreUpdate {
        let tie = config.tieBreak == .earliest ? nextStamp() : memberPrefix(bytes)
        let key = SortKey(score: config.order.sortScore(score), tie: tie, member: id)
        let index = if let walk, walk.leads(to: key) { list.insert(key, predecessors: walk.path) } else { list.insert(key) }
        var result = ScoreUpdate(
            member: member, score: config.order.score(fromSortScore: key.score), rank: index + 1,
            previousScore: nil, previousRank: nil, changed: true, stamp: stamp(of: key), evicted: nil)
        if let maxSize = config.maxSize, list.count > maxSize {
            let worst = list.locate(index: list.count - 1)
            let worstEntry = list.slot(worst.block, worst.position)
            let worstKey = list.key(at: worstEntry)
            list.remove(at: worstEntry)
            if worstKey.member == id {
                // The newcomer itself ranks last: the board stays as it was.
                result = ScoreUpdate(
                    member: member, score: nil, rank: nil, previousScore: nil, previousRank: nil,
                    changed: false, stamp: 0, evicted: nil)
            } else {
                result.evicted = Removal(
                    member: list.names.name(of: worstKey.member), score: config.order.score(fromSortScore: worstKey.score),
                    rank: list.count + 1)
            }
            list.names.remove(worstKey.member)
            forgetMetadata(of: worstKey.member)
        }
        return result
    }

    /// A walk to a key whose member was not known yet (``earlyWalk(to:policy:hash:)``).
    private struct EarlyWalk {
        var key: SortKey
        var path: SkipList.Path

        /// Whether `path` is the walk to `key`: the same score and stamp (the id is
        /// never compared, as no entry has the stamp). O(1).
        func leads(to key: SortKey) -> Bool {
            key.score == self.key.score && key.tie == self.key.tie
        }
    }

    private mutating func nextStamp() -> UInt64 {
        lastStamp += 1
        return lastStamp
    }

    private func stamp(of key: SortKey) -> UInt64 {
        config.tieBreak == .earliest ? key.tie : 0
    }
}
