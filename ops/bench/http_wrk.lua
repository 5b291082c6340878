-- wrk script of ops/bench/http.sh (not run on its own):
--
--   wrk ... -s http_wrk.lua URL -- CASE MEMBERS KEY
--
-- CASE is submit, rank, top, batch100, floor-get or floor-post; each request names a
-- random member m0..m{MEMBERS-1} and a random score (top asks for the first 10). The floor
-- cases draw and format the same way as their Podium counterparts (and send the same
-- key), so the client spends the same CPU on each side of a ratio: on 2 cores wrk shares
-- the machine with the server.
-- done() prints one line for http.sh:
--
--   RESULT <req/s> <p50 ms> <p99 ms> <non-2xx responses> <socket errors>

local threads = 0
function setup(thread)
    -- A distinct seed for each thread, which has its own Lua state.
    threads = threads + 1
    thread:set("thread_number", threads)
end

local case, members, request_for

local function member()
    return "m" .. math.random(0, members - 1)
end

local function score()
    return string.format("%.3f", math.random() * 1e6)
end

local function submit_body()
    return '{"member":"' .. member() .. '","score":' .. score() .. '}'
end

local builders = {
    ["submit"] = function()
        return wrk.format("POST", "/v1/boards/bench/scores", nil, submit_body())
    end,
    ["floor-post"] = function()
        return wrk.format("POST", "/floor/submit", nil, submit_body())
    end,
    ["rank"] = function()
        return wrk.format("GET", "/v1/boards/bench/members/" .. member())
    end,
    ["top"] = function()
        local _ = member()  -- drawn and dropped: the same client work as rank
        return wrk.format("GET", "/v1/boards/bench/top?limit=10")
    end,
    ["floor-get"] = function()
        local _ = member()  -- drawn and dropped: the same client work as rank
        return wrk.format("GET", "/floor/entry")
    end,
    ["batch100"] = function()
        local entries = {}
        for i = 1, 100 do
            entries[i] = '{"member":"' .. member() .. '","score":' .. score() .. '}'
        end
        return wrk.format("POST", "/v1/boards/bench/scores/batch", nil,
            '{"entries":[' .. table.concat(entries, ",") .. ']}')
    end,
}

function init(args)
    case, members = args[1], tonumber(args[2])
    request_for = builders[case]
    if not request_for or not members or members < 1 or not args[3] then
        error("usage: wrk ... -s http_wrk.lua URL -- CASE MEMBERS KEY (CASE: submit, rank, top, batch100, floor-get, floor-post)")
    end
    wrk.headers["Authorization"] = "Bearer " .. args[3]
    wrk.headers["Content-Type"] = "application/json"
    math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
    return request_for()
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("RESULT %.1f %.3f %.3f %d %d\n",
        summary.requests / summary.duration * 1e6,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        e.status, e.connect + e.read + e.write + e.timeout))
end
