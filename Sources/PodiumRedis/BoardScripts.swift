/// The Lua scripts that keep a board on Redis with exactly the engine's meaning. Each runs
/// atomically (Redis runs one script at a time), on keys under the board's `{board}` hash
/// tag, so a board lives in one cluster slot.
///
/// Keys (``RedisBoardKeys``), in this order in every write: `config` (a hash: order,
/// update, tie, max_size, player_submit, min, max), `z` (the sorted set), `names` (member ->
/// stored name, `earliest` boards only), `meta` (a hash: the last tie stamp and event seq
/// handed out), `md` (member -> metadata JSON), `events` (a stream capped at the history
/// length, entry ids `0-seq`; also the pub/sub channel the same events go out on),
/// `seasons` (the past seasons, newest first), `watchz` (the members some subscriber
/// watches that are on the board, scored and named as in `z`) and `watch` (member -> how
/// many subscriptions watch it), for `overtaken`.
///
/// Ordering: Redis orders a sorted set by score, then by the stored name's bytes. Scores are
/// stored negated on `desc` boards, so rank 1 is always the lowest stored score. On
/// `earliest` boards the stored name is the member's tie stamp as 16 hex digits, then the
/// member: equal scores then order by arrival, as the engine's stamps do; on `member`
/// boards it is the member itself (bytewise order, as the engine).
///
/// Writes check everything before they change anything: a script that fails part-way does
/// not roll back on Redis, so every refusal comes before the first write.
enum BoardScripts {
    /// KEYS: config meta. ARGV: the config as field, value pairs. Returns 1 when created
    /// (its first season starting now), 0 when the board exists with exactly this config,
    /// -1 when it exists with another.
    static let create = RedisScript(
        #"""
        local existing = redis.call('HGETALL', KEYS[1])
        if #existing == 0 then
            redis.call('HSET', KEYS[1], unpack(ARGV))
            local now = redis.call('TIME')
            redis.call('HSET', KEYS[2], 'season_start', string.format('%.0f', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)))
            return 1
        end
        if #existing ~= #ARGV then return -1 end
        local have = {}
        for i = 1, #existing, 2 do have[existing[i]] = existing[i + 1] end
        for i = 1, #ARGV, 2 do
            if have[ARGV[i]] ~= ARGV[i + 1] then return -1 end
        end
        return 0
        """#)

    /// What every write script starts with: `publish(events, history)` numbers nothing (the
    /// caller took the seqs) but stamps the events with the commit time, appends each to the
    /// stream capped at `history` (none: not kept) and sends them all in one message on the
    /// board's channel. Every field is a string, so no number goes through cjson's 14 digits.
    private static let events = #"""
        local function fmt(x) if x == 0 then x = 0 end return string.format('%.17g', x) end
        local function publish(events, history)
            local now = redis.call('TIME')
            local at = string.format('%.0f', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
            for _, event in ipairs(events) do
                event.at = at
                if history then redis.call('XADD', KEYS[6], 'MAXLEN', '~', history, '0-' .. event.seq, 'e', cjson.encode(event)) end
            end
            redis.call('PUBLISH', KEYS[6], cjson.encode(events))
        end
        """#

    /// What both submit scripts share: the board's config, read once, and `submitOne(member,
    /// score, policy, metadata, events)`, which applies one score and appends its events to
    /// `events`, answering the 14 fields of ``submit`` or, refused, the refusal's text.
    private static let submitting = events + "\n" + #"""
        local cfg = redis.call('HMGET', KEYS[1], 'order', 'update', 'tie', 'max_size', 'min', 'max')
        if not cfg[1] then return redis.error_reply('BOARD_NOT_FOUND') end
        local desc, earliest = cfg[1] == 'desc', cfg[3] == 'earliest'
        local maxSize = tonumber(cfg[4] or '0')
        local function sortOf(s) if desc then return -s end return s end
        -- Shared rank and the count of worse scores, read in the same script as the write.
        local function standing(sort)
            local s = fmt(sort)
            return redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. s) + 1, redis.call('ZCOUNT', KEYS[2], '(' .. s, '+inf'), redis.call('ZCARD', KEYS[2])
        end
        local function submitOne(member, value, policyArgument, metadata, events)
            local policy = policyArgument ~= '' and policyArgument or cfg[2]
            local stored = member
            if earliest then stored = redis.call('HGET', KEYS[3], member) end
            local oldSort = stored and redis.call('ZSCORE', KEYS[2], stored)
            oldSort = oldSort and tonumber(oldSort)
            local old = oldSort and sortOf(oldSort)
            -- As the engine: `best` and `set` bound the score asked for, `incr` the new total.
            local function outside(x) return (cfg[5] and x < tonumber(cfg[5])) or (cfg[6] and x > tonumber(cfg[6])) end
            local bounds = 'SCORE_OUT_OF_BOUNDS ' .. (cfg[5] or '-') .. ' ' .. (cfg[6] or '-')
            if policy ~= 'incr' and outside(value) then return bounds end
            local new
            if policy == 'set' then new = value
            elseif policy == 'incr' then new = (old or 0) + value
            elseif old and sortOf(value) >= oldSort then new = old
            else new = value end
            if new ~= new or new == math.huge or new == -math.huge then return 'INVALID_SCORE' end
            if policy == 'incr' and outside(new) then return bounds end
            local newSort = sortOf(new)
            local seq = tonumber(redis.call('HGET', KEYS[4], 'seq') or '0')
            local function withMetadata()
                if metadata ~= '' then redis.call('HSET', KEYS[5], member, metadata) end
                return redis.call('HGET', KEYS[5], member) or ''
            end
            if old and newSort == oldSort then
                local rank = redis.call('ZRANK', KEYS[2], stored) + 1
                local stamp = earliest and tonumber(string.sub(stored, 1, 16), 16) or 0
                local shared, worse, size = standing(oldSort)
                return {0, fmt(old), rank, fmt(old), rank, '', '', '', stamp, seq, shared, worse, size, withMetadata()}
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
                    return {0, '', '', '', '', '', '', '', 0, seq, '', '', '', ''}
                end
                redis.call('HDEL', KEYS[5], worstMember)
                redis.call('ZREM', KEYS[8], worst[1])
                evicted, evictedScore, evictedRank = worstMember, fmt(sortOf(tonumber(worst[2]))), maxSize + 1
            end
            seq = redis.call('HINCRBY', KEYS[4], 'seq', evicted ~= '' and 2 or 1)
            local rank = redis.call('ZRANK', KEYS[2], newStored) + 1
            local changed = {kind = 'score_changed', member = member, score = fmt(new), rank = tostring(rank)}
            if old then changed.previous_score, changed.previous_rank = fmt(old), tostring(previousRank) end
            if previousRank == '' or rank < previousRank then
                local overtook = {}
                for _, candidate in ipairs(redis.call('ZRANGEBYSCORE', KEYS[8], fmt(newSort), old and fmt(oldSort) or '+inf')) do
                    local candidateRank = candidate ~= newStored and redis.call('ZRANK', KEYS[2], candidate)
                    if candidateRank and candidateRank + 1 > rank and (previousRank == '' or candidateRank + 1 <= previousRank) then
                        table.insert(overtook, {member = earliest and string.sub(candidate, 17) or candidate, rank = tostring(candidateRank + 1)})
                    end
                end
                if #overtook > 0 then changed.overtook = overtook end
            end
            if redis.call('HEXISTS', KEYS[9], member) == 1 then
                if stored and stored ~= newStored then redis.call('ZREM', KEYS[8], stored) end
                redis.call('ZADD', KEYS[8], fmt(newSort), newStored)
            end
            changed.seq = tostring(evicted == '' and seq or seq - 1)
            table.insert(events, changed)
            if evicted ~= '' then
                table.insert(events, {seq = tostring(seq), kind = 'member_removed', member = evicted, previous_score = evictedScore,
                    previous_rank = tostring(evictedRank), reason = 'evicted'})
            end
            local shared, worse, size = standing(newSort)
            return {1, fmt(new), rank, old and fmt(old) or '', previousRank, evicted, evictedScore, evictedRank, stamp, seq, shared, worse, size, withMetadata()}
        end
        """#

    /// KEYS: config z names meta md events seasons watchz watch. ARGV: member, score (`%.17g`), policy (`best`,
    /// `set`, `incr`, or empty for the board's), metadata JSON (empty: keep the member's),
    /// history length. Returns an error reply `BOARD_NOT_FOUND`, `SCORE_OUT_OF_BOUNDS min
    /// max` (`-` for none) or `INVALID_SCORE`, or the array `{changed, score, rank,
    /// previous_score, previous_rank, evicted, evicted_score, evicted_rank, stamp, seq,
    /// shared_rank, worse, size, metadata}` with `''` for none and 1-based ranks: the
    /// standing is read in the same script as the write, so it is the write's. A member
    /// that moves up past watched members names them in its event's `overtook`: candidates
    /// are the watched members scored between its old and new score (O(log k + hits)), and
    /// one was passed iff it now ranks behind the mover and at most at the mover's old rank.
    static let submit = RedisScript(
        submitting + "\n" + #"""
        local events = {}
        local result = submitOne(ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], events)
        if type(result) == 'string' then return redis.error_reply(result) end
        if #events > 0 then publish(events, ARGV[5]) end
        return result
        """#)

    /// KEYS: as ``submit``. ARGV: history length, then member, score, policy, metadata for
    /// each entry. Applies them in order, each as ``submit`` would, and publishes all their
    /// events at once: one script for a batch. Returns one element per entry: ``submit``'s
    /// 14 fields, or the refusal's text (`SCORE_OUT_OF_BOUNDS min max`, `INVALID_SCORE`).
    static let submitBatch = RedisScript(
        submitting + "\n" + #"""
        local events, results = {}, {}
        for i = 2, #ARGV, 4 do
            table.insert(results, submitOne(ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3], events))
        end
        if #events > 0 then publish(events, ARGV[1]) end
        return results
        """#)

    /// KEYS: config z names meta md events seasons watchz watch. ARGV: member, history length. Returns an error
    /// reply `BOARD_NOT_FOUND` or `MEMBER_NOT_FOUND`, or `{score, rank, seq}` of the member
    /// removed.
    static let remove = RedisScript(
        events + "\n" + #"""
        local cfg = redis.call('HMGET', KEYS[1], 'order', 'tie')
        if not cfg[1] then return redis.error_reply('BOARD_NOT_FOUND') end
        local stored = ARGV[1]
        if cfg[2] == 'earliest' then stored = redis.call('HGET', KEYS[3], ARGV[1]) end
        local sort = stored and redis.call('ZSCORE', KEYS[2], stored)
        if not sort then return redis.error_reply('MEMBER_NOT_FOUND') end
        local rank = redis.call('ZRANK', KEYS[2], stored) + 1
        redis.call('ZREM', KEYS[2], stored)
        if cfg[2] == 'earliest' then redis.call('HDEL', KEYS[3], ARGV[1]) end
        redis.call('HDEL', KEYS[5], ARGV[1])
        redis.call('ZREM', KEYS[8], stored)
        local score = tonumber(sort)
        if cfg[1] == 'desc' then score = -score end
        local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
        publish({{seq = tostring(seq), kind = 'member_removed', member = ARGV[1], previous_score = fmt(score),
            previous_rank = tostring(rank), reason = 'removed'}}, ARGV[2])
        return {fmt(score), rank, seq}
        """#)

    /// KEYS: config z names meta md events seasons watchz watch. ARGV: the prefix of its seasons' keys.
    /// Deletes every key of the board, its past seasons' too, and sends its last event,
    /// `board_dropped`, on its channel. Returns an error reply `BOARD_NOT_FOUND`, or the
    /// drop's seq.
    static let drop = RedisScript(
        events + "\n" + seasons + "\n" + #"""
        if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('BOARD_NOT_FOUND') end
        local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
        for _, season in ipairs(redis.call('LRANGE', KEYS[7], 0, -1)) do dropSeason(season, ARGV[1]) end
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9])
        publish({{seq = tostring(seq), kind = 'board_dropped'}}, nil)
        return seq
        """#)

    /// What the season scripts share: a past season is a line `id TAB from TAB to TAB size`
    /// of the `seasons` list (newest first), and its keys are `prefix .. id .. ':z'`,
    /// `':names'`, `':md'` (under the board's hash tag: the same slot).
    private static let seasons = #"""
        local function seasonFields(line)
            local fields = {}
            for field in string.gmatch(line, '[^\t]+') do table.insert(fields, field) end
            return fields
        end
        local function dropSeason(line, prefix)
            local id = seasonFields(line)[1]
            redis.call('DEL', prefix .. id .. ':z', prefix .. id .. ':names', prefix .. id .. ':md')
        end
        """#

    /// KEYS: config z names meta md events seasons watchz watch. ARGV: the season's id as its period names
    /// it, how many past seasons to keep, history length, the season start this reset
    /// ends (as read before: another server's reset of it makes this one refused with
    /// `SEASON_MOVED`), the prefix of season keys. Moves the live board (renames, O(1))
    /// into a new past season (the id, then `.2`, `.3` if taken), starts the live board empty
    /// now, drops seasons past `keep`, and publishes `board_reset`. Returns `{id, from, to,
    /// size}`.
    static let reset = RedisScript(
        events + "\n" + seasons + "\n" + #"""
        if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('BOARD_NOT_FOUND') end
        local start = redis.call('HGET', KEYS[4], 'season_start') or ''
        if start ~= ARGV[4] then return redis.error_reply('SEASON_MOVED') end
        local taken = {}
        for _, line in ipairs(redis.call('LRANGE', KEYS[7], 0, -1)) do taken[seasonFields(line)[1]] = true end
        local id, suffix = ARGV[1], 1
        while taken[id] do
            suffix = suffix + 1
            id = ARGV[1] .. '.' .. suffix
        end
        local now = redis.call('TIME')
        local at = string.format('%.0f', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
        local size = redis.call('ZCARD', KEYS[2])
        local prefix = ARGV[5] .. id
        if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], prefix .. ':z') end
        if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('RENAME', KEYS[3], prefix .. ':names') end
        if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('RENAME', KEYS[5], prefix .. ':md') end
        -- Watched members are no longer on the (empty) live board.
        redis.call('DEL', KEYS[8])
        redis.call('LPUSH', KEYS[7], id .. '\t' .. (start == '' and '-' or start) .. '\t' .. at .. '\t' .. size)
        while redis.call('LLEN', KEYS[7]) > tonumber(ARGV[2]) do dropSeason(redis.call('RPOP', KEYS[7]), ARGV[5]) end
        redis.call('HSET', KEYS[4], 'season_start', at)
        local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
        publish({{seq = tostring(seq), kind = 'board_reset', season = id}}, ARGV[3])
        return {id, start, at, size}
        """#)

    /// KEYS: config z names watchz watch. ARGV: 1 (watch) or -1 (stop watching), then
    /// members. Counts the subscriptions watching each member, and keeps the watched ones
    /// on the board in `watchz` for ``submit``'s `overtaken`.
    static let watch = RedisScript(
        #"""
        local cfg = redis.call('HMGET', KEYS[1], 'order', 'tie')
        if not cfg[1] then return redis.error_reply('BOARD_NOT_FOUND') end
        for i = 2, #ARGV do
            local member = ARGV[i]
            local stored = member
            if cfg[2] == 'earliest' then stored = redis.call('HGET', KEYS[3], member) end
            local sort = stored and redis.call('ZSCORE', KEYS[2], stored)
            if redis.call('HINCRBY', KEYS[5], member, tonumber(ARGV[1])) <= 0 then
                redis.call('HDEL', KEYS[5], member)
                if stored then redis.call('ZREM', KEYS[4], stored) end
            elseif sort then
                redis.call('ZADD', KEYS[4], sort, stored)
            end
        end
        return 1
        """#)
}
