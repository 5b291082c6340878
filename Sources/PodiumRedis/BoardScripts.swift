/// The Lua scripts that keep a board on Redis with exactly the engine's meaning. Each runs
/// atomically (Redis runs one script at a time), on keys under the board's `{board}` hash
/// tag, so a board lives in one cluster slot.
///
/// Keys (``RedisBoardKeys``): `config` (a hash: order, update, tie, max_size, min, max),
/// `z` (the sorted set), `names` (member -> stored name, `earliest` boards only), `meta`
/// (a hash: the last tie stamp and event seq handed out).
///
/// Ordering: Redis orders a sorted set by score, then by the stored name's bytes. Scores are
/// stored negated on `desc` boards, so rank 1 is always the lowest stored score. On
/// `earliest` boards the stored name is the member's tie stamp as 16 hex digits, then the
/// member: equal scores then order by arrival, as the engine's stamps do; on `member`
/// boards it is the member itself (bytewise order, as the engine).
enum BoardScripts {
    /// KEYS: config. ARGV: the config as field, value pairs. Returns 1 when created, 0 when
    /// the board exists with exactly this config, -1 when it exists with another.
    static let create = #"""
        local existing = redis.call('HGETALL', KEYS[1])
        if #existing == 0 then
            redis.call('HSET', KEYS[1], unpack(ARGV))
            return 1
        end
        if #existing ~= #ARGV then return -1 end
        local have = {}
        for i = 1, #existing, 2 do have[existing[i]] = existing[i + 1] end
        for i = 1, #ARGV, 2 do
            if have[ARGV[i]] ~= ARGV[i + 1] then return -1 end
        end
        return 0
        """#

    /// KEYS: config z names meta. ARGV: member, score (`%.17g`), policy (`best`, `set`,
    /// `incr`, or empty for the board's). Returns an error reply `BOARD_NOT_FOUND`,
    /// `SCORE_OUT_OF_BOUNDS min max` (`-` for none) or `INVALID_SCORE`, or the array
    /// `{changed, score, rank, previous_score, previous_rank, evicted, evicted_score,
    /// evicted_rank, stamp, seq, shared_rank, worse, size}` with `''` for none and 1-based
    /// ranks: the standing is read in the same script as the write, so it is the write's.
    static let submit = #"""
        local cfg = redis.call('HMGET', KEYS[1], 'order', 'update', 'tie', 'max_size', 'min', 'max')
        if not cfg[1] then return redis.error_reply('BOARD_NOT_FOUND') end
        local desc, earliest = cfg[1] == 'desc', cfg[3] == 'earliest'
        local policy = ARGV[3] ~= '' and ARGV[3] or cfg[2]
        local member, value = ARGV[1], tonumber(ARGV[2])
        local function fmt(x) if x == 0 then x = 0 end return string.format('%.17g', x) end
        local function sortOf(s) if desc then return -s end return s end
        local stored = member
        if earliest then stored = redis.call('HGET', KEYS[3], member) end
        local oldSort = stored and redis.call('ZSCORE', KEYS[2], stored)
        oldSort = oldSort and tonumber(oldSort)
        local old = oldSort and sortOf(oldSort)
        -- As the engine: `best` and `set` bound the score asked for, `incr` the new total.
        local function outside(x) return (cfg[5] and x < tonumber(cfg[5])) or (cfg[6] and x > tonumber(cfg[6])) end
        local bounds = 'SCORE_OUT_OF_BOUNDS ' .. (cfg[5] or '-') .. ' ' .. (cfg[6] or '-')
        if policy ~= 'incr' and outside(value) then return redis.error_reply(bounds) end
        local new
        if policy == 'set' then new = value
        elseif policy == 'incr' then new = (old or 0) + value
        elseif old and sortOf(value) >= oldSort then new = old
        else new = value end
        if new ~= new or new == math.huge or new == -math.huge then return redis.error_reply('INVALID_SCORE') end
        if policy == 'incr' and outside(new) then return redis.error_reply(bounds) end
        local newSort = sortOf(new)
        local seq = tonumber(redis.call('HGET', KEYS[4], 'seq') or '0')
        -- Shared rank and the count of worse scores, read in the same script as the write.
        local function standing(sort)
            local s = fmt(sort)
            return redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. s) + 1, redis.call('ZCOUNT', KEYS[2], '(' .. s, '+inf'), redis.call('ZCARD', KEYS[2])
        end
        if old and newSort == oldSort then
            local rank = redis.call('ZRANK', KEYS[2], stored) + 1
            local stamp = earliest and tonumber(string.sub(stored, 1, 16), 16) or 0
            local shared, worse, size = standing(oldSort)
            return {0, fmt(old), rank, fmt(old), rank, '', '', '', stamp, seq, shared, worse, size}
        end
        local previousRank = ''
        if old then previousRank = redis.call('ZRANK', KEYS[2], stored) + 1 end
        local stamp = 0
        local newStored = member
        if earliest then
            stamp = redis.call('HINCRBY', KEYS[4], 'stamp', 1)
            newStored = string.format('%016x', stamp) .. member
            if stored then redis.call('ZREM', KEYS[2], stored) end
            redis.call('HSET', KEYS[3], member, newStored)
        end
        redis.call('ZADD', KEYS[2], fmt(newSort), newStored)
        local maxSize = tonumber(cfg[4] or '0')
        local evicted, evictedScore, evictedRank = '', '', ''
        if not old and maxSize > 0 and redis.call('ZCARD', KEYS[2]) > maxSize then
            local worst = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
            redis.call('ZREM', KEYS[2], worst[1])
            local worstMember = worst[1]
            if earliest then
                worstMember = string.sub(worst[1], 17)
                redis.call('HDEL', KEYS[3], worstMember)
            end
            if worst[1] == newStored then
                -- The newcomer itself ranks last: the board stays as it was.
                return {0, '', '', '', '', '', '', '', 0, seq, '', '', ''}
            end
            evicted, evictedScore, evictedRank = worstMember, fmt(sortOf(tonumber(worst[2]))), maxSize + 1
        end
        seq = redis.call('HINCRBY', KEYS[4], 'seq', evicted ~= '' and 2 or 1)
        local rank = redis.call('ZRANK', KEYS[2], newStored) + 1
        local shared, worse, size = standing(newSort)
        return {1, fmt(new), rank, old and fmt(old) or '', previousRank, evicted, evictedScore, evictedRank, stamp, seq, shared, worse, size}
        """#

    /// The rows of ranks `first...last` (0-based), each as member, score, shared rank,
    /// worse count, appended to `out`: the part every page script shares. Each page script
    /// answers `{page total, first rank, board size, rows...}`.
    private static let rows = #"""
        local cfg = redis.call('HMGET', KEYS[1], 'order', 'tie')
        if not cfg[1] then return redis.error_reply('BOARD_NOT_FOUND') end
        local desc, earliest = cfg[1] == 'desc', cfg[2] == 'earliest'
        local function rows(out, first, last)
            if last < first then return out end
            local found = redis.call('ZRANGE', KEYS[2], first, last, 'WITHSCORES')
            for i = 1, #found, 2 do
                local sort = found[i + 1]
                local score = tonumber(sort)
                if desc then score = -score end
                if score == 0 then score = 0 end
                -- The member: an `earliest` board's stored name without its stamp.
                table.insert(out, earliest and string.sub(found[i], 17) or found[i])
                table.insert(out, string.format('%.17g', score))
                table.insert(out, redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. sort) + 1)
                table.insert(out, redis.call('ZCOUNT', KEYS[2], '(' .. sort, '+inf'))
            end
            return out
        end
        local total = redis.call('ZCARD', KEYS[2])
        """#

    /// KEYS: config z. ARGV: first, last (0-based ranks, inclusive). The page total is the
    /// board's size.
    static let page = rows + #"""
        local first = tonumber(ARGV[1])
        return rows({total, first, total}, first, tonumber(ARGV[2]))
        """#

    /// KEYS: config z. ARGV: the lowest and highest stored score as ZCOUNT bounds, offset,
    /// limit: the entries of the range from its `offset`-th, in rank order; the page total
    /// is how many the range holds.
    static let scorePage = rows + #"""
        local inRange = redis.call('ZCOUNT', KEYS[2], ARGV[1], ARGV[2])
        local low = ARGV[1]
        local before
        if string.sub(low, 1, 1) == '(' then
            before = redis.call('ZCOUNT', KEYS[2], '-inf', string.sub(low, 2))
        elseif low == '-inf' then
            before = 0
        else
            before = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. low)
        end
        local first = before + math.min(tonumber(ARGV[3]), inRange)
        local last = math.min(first + tonumber(ARGV[4]), before + inRange) - 1
        return rows({inRange, first, total}, first, last)
        """#

    /// KEYS: config z names. ARGV: member, radius: the member and its neighbours, the page
    /// total the board's size; an error reply `MEMBER_NOT_FOUND` when it is not there.
    static let around = rows + #"""
        local stored = ARGV[1]
        if earliest then stored = redis.call('HGET', KEYS[3], ARGV[1]) end
        local rank = stored and redis.call('ZRANK', KEYS[2], stored)
        if not rank then return redis.error_reply('MEMBER_NOT_FOUND') end
        local radius = math.min(tonumber(ARGV[2]), total)
        local first = math.max(0, rank - radius)
        return rows({total, first, total}, first, math.min(total, rank + radius + 1) - 1)
        """#

    /// KEYS: config z names. ARGV: member. Returns `{total, stored name, score, shared rank,
    /// worse count, rank}`, or `{total}` when the member is not on the board.
    static let entry = #"""
        local cfg = redis.call('HMGET', KEYS[1], 'order', 'tie')
        if not cfg[1] then return redis.error_reply('BOARD_NOT_FOUND') end
        local stored = ARGV[1]
        if cfg[2] == 'earliest' then stored = redis.call('HGET', KEYS[3], ARGV[1]) end
        local total = redis.call('ZCARD', KEYS[2])
        local sort = stored and redis.call('ZSCORE', KEYS[2], stored)
        if not sort then return {total} end
        local better = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. sort)
        local worse = redis.call('ZCOUNT', KEYS[2], '(' .. sort, '+inf')
        local score = tonumber(sort)
        if cfg[1] == 'desc' then score = -score end
        if score == 0 then score = 0 end
        return {total, stored, string.format('%.17g', score), better + 1, worse, redis.call('ZRANK', KEYS[2], stored) + 1}
        """#

    /// KEYS: config z names meta. ARGV: member. Returns an error reply `BOARD_NOT_FOUND` or
    /// `MEMBER_NOT_FOUND`, or `{score, rank, seq}` of the member removed.
    static let remove = #"""
        local cfg = redis.call('HMGET', KEYS[1], 'order', 'tie')
        if not cfg[1] then return redis.error_reply('BOARD_NOT_FOUND') end
        local stored = ARGV[1]
        if cfg[2] == 'earliest' then stored = redis.call('HGET', KEYS[3], ARGV[1]) end
        local sort = stored and redis.call('ZSCORE', KEYS[2], stored)
        if not sort then return redis.error_reply('MEMBER_NOT_FOUND') end
        local rank = redis.call('ZRANK', KEYS[2], stored) + 1
        redis.call('ZREM', KEYS[2], stored)
        if cfg[2] == 'earliest' then redis.call('HDEL', KEYS[3], ARGV[1]) end
        local score = tonumber(sort)
        if cfg[1] == 'desc' then score = -score end
        if score == 0 then score = 0 end
        return {string.format('%.17g', score), rank, redis.call('HINCRBY', KEYS[4], 'seq', 1)}
        """#

    /// KEYS: config z. ARGV: the lowest and highest stored score as ZCOUNT bounds (`(`
    /// for exclusive). Returns the count, or an error reply `BOARD_NOT_FOUND`.
    static let count = #"""
        if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('BOARD_NOT_FOUND') end
        return redis.call('ZCOUNT', KEYS[2], ARGV[1], ARGV[2])
        """#
}
