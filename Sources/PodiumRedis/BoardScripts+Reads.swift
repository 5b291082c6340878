/// The read scripts: each answers from one consistent view of the board (a script runs
/// alone), in one round trip. KEYS of every read: config z names md.
extension BoardScripts {
    /// The rows of ranks `first...last` (0-based), each as member, score, shared rank,
    /// worse count, metadata (`''`: none), appended to `out`: the part every page script
    /// shares. Each page script answers `{page total, first rank, board size, rows...}`.
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
                local member = earliest and string.sub(found[i], 17) or found[i]
                table.insert(out, member)
                table.insert(out, string.format('%.17g', score))
                table.insert(out, redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. sort) + 1)
                table.insert(out, redis.call('ZCOUNT', KEYS[2], '(' .. sort, '+inf'))
                table.insert(out, redis.call('HGET', KEYS[4], member) or '')
            end
            return out
        end
        local total = redis.call('ZCARD', KEYS[2])
        """#

    /// Picks a score range's bounds as stored: ARGV[1], ARGV[2] on `asc` boards, ARGV[3],
    /// ARGV[4] (the range negated and turned around) on `desc` ones.
    private static let bounds = #"""
        local low, high = ARGV[1], ARGV[2]
        if redis.call('HGET', KEYS[1], 'order') == 'desc' then low, high = ARGV[3], ARGV[4] end
        """#

    /// ARGV: first, last (0-based ranks, inclusive). The page total is the board's size.
    static let page = RedisScript(
        rows + "\n" + #"""
        local first = tonumber(ARGV[1])
        return rows({total, first, total}, first, tonumber(ARGV[2]))
        """#)

    /// ARGV: the range as ZCOUNT bounds for `asc` and for `desc` boards (``bounds``), offset,
    /// limit: the entries of the range from its `offset`-th, in rank order; the page total
    /// is how many the range holds.
    static let scorePage = RedisScript(
        rows + "\n" + bounds + "\n" + #"""
        local inRange = redis.call('ZCOUNT', KEYS[2], low, high)
        local before
        if string.sub(low, 1, 1) == '(' then
            before = redis.call('ZCOUNT', KEYS[2], '-inf', string.sub(low, 2))
        elseif low == '-inf' then
            before = 0
        else
            before = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. low)
        end
        local first = before + math.min(tonumber(ARGV[5]), inRange)
        local last = math.min(first + tonumber(ARGV[6]), before + inRange) - 1
        return rows({inRange, first, total}, first, last)
        """#)

    /// ARGV: member, radius: the member and its neighbours, the page total the board's
    /// size; an error reply `MEMBER_NOT_FOUND` when it is not there.
    static let around = RedisScript(
        rows + "\n" + #"""
        local stored = ARGV[1]
        if earliest then stored = redis.call('HGET', KEYS[3], ARGV[1]) end
        local rank = stored and redis.call('ZRANK', KEYS[2], stored)
        if not rank then return redis.error_reply('MEMBER_NOT_FOUND') end
        local radius = math.min(tonumber(ARGV[2]), total)
        local first = math.max(0, rank - radius)
        return rows({total, first, total}, first, math.min(total, rank + radius + 1) - 1)
        """#)

    /// ARGV: members. Returns `{board size, then for each member: rank (0: absent), score,
    /// shared rank, worse count, metadata}`.
    static let lookup = RedisScript(
        #"""
        local cfg = redis.call('HMGET', KEYS[1], 'order', 'tie')
        if not cfg[1] then return redis.error_reply('BOARD_NOT_FOUND') end
        local out = {redis.call('ZCARD', KEYS[2])}
        for _, member in ipairs(ARGV) do
            local stored = member
            if cfg[2] == 'earliest' then stored = redis.call('HGET', KEYS[3], member) end
            local sort = stored and redis.call('ZSCORE', KEYS[2], stored)
            if sort then
                local score = tonumber(sort)
                if cfg[1] == 'desc' then score = -score end
                if score == 0 then score = 0 end
                table.insert(out, redis.call('ZRANK', KEYS[2], stored) + 1)
                table.insert(out, string.format('%.17g', score))
                table.insert(out, redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. sort) + 1)
                table.insert(out, redis.call('ZCOUNT', KEYS[2], '(' .. sort, '+inf'))
                table.insert(out, redis.call('HGET', KEYS[4], member) or '')
            else
                for _ = 1, 5 do table.insert(out, 0) end
            end
        end
        return out
        """#)

    /// ARGV: the range as ZCOUNT bounds for `asc` and for `desc` boards (``bounds``).
    /// Returns the count, or an error reply `BOARD_NOT_FOUND`.
    static let count = RedisScript(
        bounds + "\n" + #"""
        if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('BOARD_NOT_FOUND') end
        return redis.call('ZCOUNT', KEYS[2], low, high)
        """#)

    /// KEYS: config z meta. Returns `{size, seq, season start ('' if unknown), config
    /// field, value, ...}`, or an error reply `BOARD_NOT_FOUND`.
    static let summary = RedisScript(
        #"""
        local config = redis.call('HGETALL', KEYS[1])
        if #config == 0 then return redis.error_reply('BOARD_NOT_FOUND') end
        local out = {redis.call('ZCARD', KEYS[2]), tonumber(redis.call('HGET', KEYS[3], 'seq') or '0'), redis.call('HGET', KEYS[3], 'season_start') or ''}
        for _, value in ipairs(config) do table.insert(out, value) end
        return out
        """#)
}
