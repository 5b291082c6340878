#!/usr/bin/env bash
# Podium over HTTPS against its framework floor and against Redis, side by side in one run
# on loopback, for BENCHMARKS.md.
#
# Seven servers run for the whole benchmark, each on its own port:
#   - podiumd (TLS, --fsync everysec) with board `bench` seeded with N members m0..m{N-1}
#     (http_seed.py). Cases, driven by wrk with http_wrk.lua, each request on a random
#     member: submit (POST /v1/boards/bench/scores), rank (GET .../members/mK), batch100
#     (POST .../scores/batch, 100 random entries).
#   - two more podiumd, seeded alike, for what durability costs: submit-always (the submit
#     case on one with --fsync always) and submit-nosync (on one with --fsync no). The board
#     is `update: set` and scores random, so every submit writes a record.
#   - `podium-bench http-floor`: bare Hummingbird over TLS with podiumd's event-loop setup,
#     fixed bodies the size of an entry and of a submit result. floor-get and floor-post
#     are the most a route through Hummingbird's router could reach; podiumd answers
#     submit and rank before the router (its hot routes), so the ratios to them can pass 1.
#   - the same with --event-loop (floor-el-get, floor-el-post): those bodies answered from a
#     channel handler on the event loop, as podiumd's hot routes are. submit/floor-el-post
#     and rank/floor-el-get are what the board, JSON and auth cost on that path.
#   - nginx (Debian's) answering GET /floor/entry with the same body over TLS 1.3 with the
#     floor's certificate, 2 workers (nginx-get): the ceiling, and rank/nginx-get the
#     moonshot of issue 16.
#   - redis-server (no persistence), zset `bench` with N members m + 12 digits, driven by
#     redis-benchmark: ZADD (redis-zadd) and ZREVRANK (redis-zrevrank) on random members.
#     Plain RESP without TLS, so Podium gives something away here.
# With --subscribers S, `podium-bench fanout --hold` keeps S WebSocket subscribers on board
# `bench` for the whole run (a --top-share of them `top=100`, default half, the others
# `members=` of ids the board does not hold, so random scores make no `overtaken` storm):
# the write path with the event bus busy (top=100 ones are sent every change in the top
# 100), or, with --top-share 0, with subscribers attached that no write concerns.
# Reps are interleaved (every case once, then again) so drift on this VM hits all cases
# alike; the table has the median of the reps, and the server's CPU time per request over
# each case (utime + stime of its process, from /proc/PID/stat). Any non-2xx response, socket error or Redis
# error reply fails the run: the numbers would not be measuring what they claim to.
set -euo pipefail
script_name=http
# shellcheck source=SCRIPTDIR/redis-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/redis-common.sh"
# shellcheck source=SCRIPTDIR/podiumd-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/podiumd-common.sh"

usage() {
    cat <<'EOF'
Usage: ops/bench/http.sh [--members N] [--seconds S] [--reps R] [--connections C]
                        [--subscribers S] [--top-share F] [--bin DIR]

Measures podiumd over HTTPS (submit, rank, batch100; submit under --fsync always and
--fsync no), the bare Hummingbird floor (floor-get, floor-post), the same bodies answered
on the event loop (floor-el-get, floor-el-post), nginx over TLS (nginx-get) and
redis-server (ZADD, ZREVRANK), all on 127.0.0.1, and prints a Markdown table of median req/s, p50, p99 and
server CPU per request over the reps, with their ratios.

  --members N       members on each board (default 1000000)
  --seconds S       length of each case's run (default 15)
  --reps R          rounds of all cases, interleaved (default 3)
  --connections C   concurrent connections of wrk and redis-benchmark (default 50)
  --subscribers S   WebSocket event subscribers held on board bench during the run
                    (default 0)
  --top-share F     the share of them with top=100 (default 0.5; the rest watch
                    members the board does not hold)
  --bin DIR         where podiumd and podium-bench are (default .build/release of
                    this repository; build them with `swift build -c release`)
  -h, --help        this message

Installs wrk, nginx-light, redis-server and redis-tools with apt-get, and numpy with pip, if missing.
Progress goes to stderr, the table to stdout.
EOF
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command_line="ops/bench/http.sh $*"
members=1000000
seconds=15
reps=3
connections=50
subscribers=0
top_share=0.5
bin="$here/../../.build/release"
while (($#)); do
    case "$1" in
        --members) members="${2:?--members needs a value}"; shift 2 ;;
        --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
        --reps) reps="${2:?--reps needs a value}"; shift 2 ;;
        --connections) connections="${2:?--connections needs a value}"; shift 2 ;;
        --subscribers) subscribers="${2:?--subscribers needs a value}"; shift 2 ;;
        --top-share) top_share="${2:?--top-share needs a value}"; shift 2 ;;
        --bin) bin="${2:?--bin needs a value}"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) unknown_argument "$1" ;;
    esac
done
require_whole_numbers "$members" "$seconds" "$reps" "$connections" "$subscribers"
((members >= 1 && seconds >= 1 && reps >= 1)) || usage_error "need --members, --seconds and --reps >= 1"
((connections >= 2)) || usage_error "need --connections >= 2 (wrk runs 2 threads)"
[[ -x "$bin/podiumd" ]] || die "no podiumd in $bin (swift build -c release, or --bin DIR)"
"$bin/podium-bench" http-floor --help >/dev/null 2>&1 \
    || die "$bin/podium-bench has no http-floor subcommand (rebuild: swift build -c release --product podium-bench)"

install_tools redis-server redis-cli redis-benchmark
install_wrk
install_package nginx nginx-light

# --- servers -----------------------------------------------------------------------------
# redis-common.sh's trap stops its redis-server and removes tmp; this cleanup also stops
# the two HTTPS servers, so no server outlives the script however it ends.
pids=()
make_private_dir "${TMPDIR:-/tmp}"
cleanup() {
    stop_pids
    stop_server
    rm -rf "$tmp"
}

key="bench-admin-key-not-secret"

start_podiumd podiumd --fsync everysec
seed_board podiumd
start_podiumd always --fsync always
seed_board always
start_podiumd nosync --fsync no
seed_board nosync

if ((subscribers > 0)); then
    # Each subscriber is a descriptor in podiumd and in podium-bench.
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    say "holding $subscribers WebSocket subscribers on board bench"
    "$bin/podium-bench" fanout --url "${url[podiumd]}" --key "$key" --cacert "${dir[podiumd]}/tls/ca.pem" --board bench \
        --members "$members" --subscribers "$subscribers" --top-share "$top_share" --watch-prefix w --hold 86400 >"$tmp/subscribers.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1200); do
        grep -q '^holding' "$tmp/subscribers.log" && break
        kill -0 "${pids[-1]}" 2>/dev/null || { cat "$tmp/subscribers.log" >&2; die "podium-bench fanout --hold failed"; }
        sleep 0.1
    done
    grep -q "^holding $subscribers subscribers" "$tmp/subscribers.log" \
        || { cat "$tmp/subscribers.log" >&2; die "not all $subscribers subscribers connected"; }
fi

floor_port="$(free_port)"
floor_url="https://127.0.0.1:$floor_port"
"$bin/podium-bench" http-floor --listen "127.0.0.1:$floor_port" --data-dir "$tmp/floor" >"$tmp/http-floor.log" 2>&1 &
pids+=($!)
floor_pid=$!
wait_https_ready http-floor "$tmp/floor" "$floor_url" "$floor_pid" "$tmp/http-floor.log"
say "http-floor on $floor_url"
floor_el_port="$(free_port)"
floor_el_url="https://127.0.0.1:$floor_el_port"
"$bin/podium-bench" http-floor --event-loop --listen "127.0.0.1:$floor_el_port" --data-dir "$tmp/floor" >"$tmp/http-floor-el.log" 2>&1 &
pids+=($!)
floor_el_pid=$!
wait_https_ready "http-floor --event-loop" "$tmp/floor" "$floor_el_url" "$floor_el_pid" "$tmp/http-floor-el.log"
say "http-floor --event-loop on $floor_el_url"

# nginx's CPU is its workers': cpu_ticks sums theirs.
nginx_port="$(free_port)"
nginx_url="https://127.0.0.1:$nginx_port"
mkdir -p "$tmp/nginx"
entry_json="$("$bin/podium-bench" http-floor --print-entry)"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx;
    server {
        listen 127.0.0.1:$nginx_port ssl;
        ssl_certificate $tmp/floor/tls/server-chain.pem;
        ssl_certificate_key $tmp/floor/tls/server-key.pem;
        ssl_protocols TLSv1.3;
        location = /readyz { return 200 'ready'; }
        location = /floor/entry { default_type application/json; return 200 '$entry_json'; }
    }
}
CONF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" >"$tmp/nginx.log" 2>&1 &
pids+=($!)
nginx_pid=$!
wait_https_ready nginx "$tmp/floor" "$nginx_url" "$nginx_pid" "$tmp/nginx.log"
say "nginx on $nginx_url"

start_server --save '' --appendonly no
say "redis-server on 127.0.0.1:$port: loading $members members"
python3 "$here/http_seed.py" redis --members "$members" | cli --pipe >"$tmp/pipe.out" 2>&1 \
    || { cat "$tmp/pipe.out" >&2; die "redis-cli --pipe failed"; }
grep -q "^errors: 0, replies: $(((members + 999) / 1000))\$" "$tmp/pipe.out" \
    || { cat "$tmp/pipe.out" >&2; die "loading Redis failed"; }
[[ "$(cli ZCARD bench)" == "$members" ]] || die "zset bench holds $(cli ZCARD bench) members, expected $members"

# --- cases -------------------------------------------------------------------------------
# redis-benchmark runs a number of requests, not a time: probe each command's rate once
# and ask for S seconds' worth. With -r N, m__rand_int__ is m + 12 digits below N.
declare -A redis_command=([redis-zadd]="ZADD bench __rand_int__ m__rand_int__" [redis-zrevrank]="ZREVRANK bench m__rand_int__")
declare -A redis_requests=()
run_redis() {
    local case="$1" requests="$2" command ticks
    read -ra command <<<"${redis_command[$case]}"
    ticks="$(cpu_ticks "$server_pid")"
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$connections" -P 1 -r "$members" -n "$requests" --csv "${command[@]}" \
        >"$tmp/rb.out" 2>&1 || { cat "$tmp/rb.out" >&2; die "$case: redis-benchmark failed"; }
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    local result errors
    result="$(awk -F'","' 'NR == 2 { print $2, $5, $7 }' "$tmp/rb.out" | grep -E '^[0-9.]+ [0-9.]+ [0-9.]+$')" \
        || { cat "$tmp/rb.out" >&2; die "$case: no result line from redis-benchmark --csv"; }
    errors="$(info_field stats total_error_replies)"
    ((errors == 0)) || die "$case: Redis sent $errors error replies"
    echo "$result $(cpu_per_request "$server_pid" "$ticks" "$requests")"
}
for case in redis-zadd redis-zrevrank; do
    probe_rps="$(run_redis "$case" 50000 | cut -d' ' -f1)"
    redis_requests[$case]="$(awk -v r="$probe_rps" -v s="$seconds" 'BEGIN { printf "%d", r * s }')"
done

cases=(floor-get floor-post floor-el-get floor-el-post nginx-get submit rank batch100 submit-always submit-nosync redis-zadd redis-zrevrank)
echo "case rep rps p50_ms p99_ms cpu_us" >"$tmp/results.txt"
for rep in $(seq "$reps"); do
    for case in "${cases[@]}"; do
        # The last case's log writes reach the disk, and its in-flight requests finish,
        # outside the next case.
        sync
        sleep 1
        case "$case" in
            floor-el-*) result="$(run_wrk "$case" "$floor_el_url" "$floor_el_pid" "${case/-el/}")" ;;
            floor-*) result="$(run_wrk "$case" "$floor_url" "$floor_pid")" ;;
            nginx-get) result="$(run_wrk "$case" "$nginx_url" "$nginx_pid" floor-get)" ;;
            redis-*) result="$(run_redis "$case" "${redis_requests[$case]}")" ;;
            submit-always) result="$(run_wrk "$case" "${url[always]}" "${pid[always]}" submit)" ;;
            submit-nosync) result="$(run_wrk "$case" "${url[nosync]}" "${pid[nosync]}" submit)" ;;
            *) result="$(run_wrk "$case" "${url[podiumd]}" "${pid[podiumd]}")" ;;
        esac
        read -r rps p50 p99 cpu <<<"$result"
        say "rep $rep/$reps $case: $rps req/s, p50 $p50 ms, p99 $p99 ms, $cpu us of server CPU a request"
        echo "$case $rep $rps $p50 $p99 $cpu" >>"$tmp/results.txt"
    done
done
# Every member drawn was already on the board: a different size means the draws are off.
for name in podiumd always nosync; do
    [[ "$(board_size "$name")" == "$members" ]] \
        || die "podiumd $name: board bench holds $(board_size "$name") members after the run, expected $members"
done

# --- report ------------------------------------------------------------------------------
# (wrk --version exits 1.)
wrk_version="$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-3 || true)"
versions="$(redis-server --version | cut -d' ' -f1-3); $wrk_version; nproc $(nproc); Linux $(uname -r); \
podium $(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)"
# (A podiumd from before events has no `events` in its stats: 0 and 0.)
events="$(api podiumd GET /v1/admin/stats | python3 -c 'import json, sys; e = json.load(sys.stdin).get("events", {}); print(e.get("published", 0), sum(e.get("subscribers", {}).values()))')"
python3 - "$tmp/results.txt" "$command_line" "$versions" "$members" "$connections" "$events" <<'PY'
import statistics, sys

path, command_line, versions, members, connections, events = sys.argv[1:]
published, subscribed = (int(n) for n in events.split())
rows = [line.split() for line in open(path).read().splitlines()[1:]]
median = {}
for case in dict.fromkeys(row[0] for row in rows):
    runs = [row for row in rows if row[0] == case]
    median[case] = [statistics.median(float(row[i]) for row in runs) for i in (2, 3, 4, 5)]
reps = len(rows) // len(median)

what = {
    "floor-get": "Hummingbird alone, GET /floor/entry",
    "floor-post": "Hummingbird alone, POST /floor/submit",
    "floor-el-get": "GET /floor/entry answered on the event loop",
    "floor-el-post": "POST /floor/submit answered on the event loop",
    "nginx-get": "nginx, GET /floor/entry (TLS 1.3, 2 workers)",
    "submit": "POST /v1/boards/bench/scores",
    "rank": "GET /v1/boards/bench/members/{m}",
    "batch100": "POST /v1/boards/bench/scores/batch, 100 entries",
    "submit-always": "submit, podiumd --fsync always",
    "submit-nosync": "submit, podiumd --fsync no",
    "redis-zadd": "ZADD bench score m (no TLS)",
    "redis-zrevrank": "ZREVRANK bench m (no TLS)",
}
scores = {"submit": 1, "batch100": 100, "submit-always": 1, "submit-nosync": 1, "redis-zadd": 1}
print("```sh\n" + command_line + "\n```\n")
print(f"{versions}; {int(members):,} members, {connections} connections, median of {reps} reps; "
      f"{subscribed:,} event subscribers at the end, {published:,} events published\n")
print("| case | request | req/s | scores/s | p50 ms | p99 ms | server CPU us/request |")
print("|---|---|---:|---:|---:|---:|---:|")
for case, (rps, p50, p99, cpu) in median.items():
    per = f"{rps * scores[case]:,.0f}" if case in scores else ""
    print(f"| {case} | {what[case]} | {rps:,.0f} | {per} | {p50:.2f} | {p99:.2f} | {cpu:.1f} |")

# Ratios are taken within each rep, whose cases ran minutes apart rather than the whole
# run apart (this VM drifts by 2-3x over a run), then their median; each rep's in brackets.
def ratio(a, b, factor=1):
    per_rep = [float(ra[2]) * factor / float(rb[2])
               for ra in rows if ra[0] == a for rb in rows if rb[0] == b and rb[1] == ra[1]]
    return f"{statistics.median(per_rep):.2f} ({' / '.join(f'{r:.2f}' for r in per_rep)})"
print("\n| ratio (req/s), median of the reps' own | value (each rep) | target |")
print("|---|---:|---|")
print(f"| submit / floor-post | {ratio('submit', 'floor-post')} | >= 0.9 |")
print(f"| rank / floor-get | {ratio('rank', 'floor-get')} | >= 0.95 |")
print(f"| submit / floor-el-post | {ratio('submit', 'floor-el-post')} | |")
print(f"| rank / floor-el-get | {ratio('rank', 'floor-el-get')} | |")
print(f"| rank / nginx-get (moonshot) | {ratio('rank', 'nginx-get')} | >= 0.5 |")
print(f"| floor-get / nginx-get | {ratio('floor-get', 'nginx-get')} | |")
print(f"| floor-el-get / nginx-get | {ratio('floor-el-get', 'nginx-get')} | |")
print(f"| batch100 scores/s / redis-zadd | {ratio('batch100', 'redis-zadd', 100)} | >= 4 |")
print(f"| submit-always / submit-nosync | {ratio('submit-always', 'submit-nosync')} | >= 0.8 |")
print(f"| submit (everysec) / submit-nosync | {ratio('submit', 'submit-nosync')} | |")
print(f"| submit / redis-zadd | {ratio('submit', 'redis-zadd')} | |")
print(f"| rank / redis-zrevrank | {ratio('rank', 'redis-zrevrank')} | |")
PY
