#!/usr/bin/env bash
# Redis persistence baseline for `podium-bench storage`: the same N-member board (the
# build phase of redis_zset_workload.py, so the members and scores of redis-zset.sh),
# then what persisting it costs Redis:
#
#   snapshot    SAVE of the board: RDB bytes per member and the command's wall time
#   fork_stall  BGSAVE: INFO stats latest_fork_usec, and the longest ZADD round trip a
#               client sending one write at a time sees while the BGSAVE runs
#   load        DEBUG RELOAD NOSAVE of that RDB (restart and poll if DEBUG is refused)
#   aof_append  redis-benchmark ZADDs with appendonly yes, per appendfsync policy and
#               number of clients, about --seconds each
#
# Redis answers a write only after its AOF write (and, under `always`, its fsync) in the
# same event-loop turn, so its clients wait for durability as podium-bench's writers do,
# and all the writes of one turn share one fsync, as a group commit.
set -euo pipefail
script_name=redis-persistence
# shellcheck source=SCRIPTDIR/redis-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/redis-common.sh"

usage() {
    cat <<'EOF'
Usage: ops/bench/redis-persistence.sh [--members N] [--seed S] [--seconds T] [--data-dir DIR] [--json]

Measures Redis's snapshot size and time, fork stall, RDB load time and AOF append
throughput on an N-member sorted set, on a private redis-server on 127.0.0.1: the
Redis side of `podium-bench storage`. Run both on the same machine and disk.

  --members N     members on the board (default 1000000, at least 11)
  --seed S        seed of the SplitMix64 workload (default 1), as podium-bench's --seed
  --seconds T     seconds per AOF throughput case, 9 cases (default 5)
  --data-dir DIR  where the RDB and AOF files go, in a fresh subdirectory that is
                  removed at exit (default $TMPDIR or /tmp). fsync costs depend on it:
                  put it on the disk podium-bench storage used.
  --json          one JSON object per line on stdout instead of a table
  -h, --help      this message

Installs redis-server and redis-tools with apt-get, and numpy with pip, if missing.
The redis-server version and progress go to stderr.
EOF
}

members=1000000
seed=1
seconds=5
data_dir="${TMPDIR:-/tmp}"
json=0
while (($#)); do
    case "$1" in
        --members) members="${2:?--members needs a value}"; shift 2 ;;
        --seed) seed="${2:?--seed needs a value}"; shift 2 ;;
        --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
        --data-dir) data_dir="${2:?--data-dir needs a value}"; shift 2 ;;
        --json) json=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) unknown_argument "$1" ;;
    esac
done
require_whole_numbers "$members" "$seed" "$seconds"
# The workload generator wants at least 11 members (redis-zset.sh's range phases).
((members >= 11 && seconds >= 1)) || usage_error "need --members >= 11 and --seconds >= 1"
[[ -d "$data_dir" ]] || usage_error "--data-dir '$data_dir' is not a directory"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
workload="$here/redis_zset_workload.py"
helper="$here/redis_persistence.py"
key=board

install_tools redis-server redis-cli redis-benchmark

# "Redis server v=7.0.15 sha=..." -> 7.0.15
version="$(redis-server --version | sed -nE 's/.* v=([0-9][0-9.]*).*/\1/p')"
major="${version%%.*}"
[[ "$major" =~ ^[0-9]+$ ]] || die "cannot read the version of redis-server: $(redis-server --version)"

# --- a private server ----------------------------------------------------------------
make_private_dir "$data_dir"

# The configuration, the same at every start:
# - save '': no automatic snapshot; the script asks for each one.
# - auto-aof-rewrite-percentage 0: no AOF rewrite (a fork) in the middle of a throughput case.
# - enable-debug-command (Redis 7+; before that DEBUG is always on): for DEBUG RELOAD.
server_args=(--save '' --appendonly no --auto-aof-rewrite-percentage 0 --dbfilename dump.rdb)
if ((major >= 7)); then server_args+=(--enable-debug-command local); fi

# timed COMMAND...: the round trip of one command in ms, from a connected client (a
# redis-cli process would add its own start-up to the time).
timed() {
    local out
    out="$(python3 "$helper" time --port "$port" "$@")" || die "$* failed"
    echo "${out%% *}"
}

start_server "${server_args[@]}"
filesystem="$(df --output=fstype "$tmp" | tail -n 1)"
say "redis-server $version on 127.0.0.1:$port, $members members, seed $seed, $seconds s per append case, data in $tmp ($filesystem)"

# --- the board -------------------------------------------------------------------------
# redis-zset.sh's build phase, unmeasured here, so it is piped straight in. CLIENT REPLY
# OFF around it (--no-replies): the pipe's one reply is the closing CLIENT REPLY ON.
say "loading $members members"
python3 "$workload" --phase insert --members "$members" --ops 1 --seed "$seed" --key "$key" --no-replies \
    | cli --pipe >"$tmp/pipe.out" 2>&1 || { tail -n 20 "$tmp/pipe.out" >&2; die "loading the board failed"; }
grep -qE '^errors: 0, replies: 1$' "$tmp/pipe.out" || { tail -n 20 "$tmp/pipe.out" >&2; die "loading the board: errors"; }
card="$(cli ZCARD "$key")"
((card == members)) || die "the board holds $card members after the build, expected $members"

# --- 1. snapshot -----------------------------------------------------------------------
# SAVE blocks the server and writes dump.rdb (fsynced, then renamed into place): its
# round trip is the time of a snapshot with nothing else running.
snapshot_ms="$(timed SAVE)"
rdb_bytes="$(stat -c %s "$tmp/dump.rdb")"
bytes_per_member="$(awk -v b="$rdb_bytes" -v n="$members" 'BEGIN { printf "%.1f", b / n }')"
say "snapshot: SAVE $snapshot_ms ms, $rdb_bytes bytes"

# --- 2. fork stall -----------------------------------------------------------------------
# The helper runs a one-write-at-a-time ZADD client (its own process) for 0.5 s, sends
# BGSAVE, waits for the child to finish, keeps writing 0.5 s more, and reports the fork
# time and the writes that overlapped the save. The baseline (writes before the BGSAVE)
# goes to stderr, to tell a stall from noise.
stall_json="$(python3 "$helper" stall --port "$port" --members "$members" --seed "$seed" --key "$key")" \
    || die "the fork-stall measurement failed"
read -r fork_us max_write_ms stall_detail < <(python3 -c '
import json, sys
r = json.loads(sys.argv[1])
print(r["fork_us"], r["max_write_latency_ms"],
      "BGSAVE took %(bgsave_ms)s ms; %(writes_during)d writes overlapped it, p99 %(p99_write_latency_us)s us;"
      " before it: %(writes_before)d writes, max %(max_write_latency_before_ms)s ms, p99 %(p99_write_latency_before_us)s us" % r)
' "$stall_json") || die "cannot read the fork-stall result: $stall_json"
say "fork stall: fork $fork_us us, max write round trip $max_write_ms ms; $stall_detail"

# --- 3. load -----------------------------------------------------------------------------
# DEBUG RELOAD NOSAVE empties the dataset and loads dump.rdb (the BGSAVE's) in place.
# Emptying a big board takes time too, so FLUSHALL first, untimed; with `save ''` it
# writes no RDB, so dump.rdb stays the BGSAVE's.
cli FLUSHALL >/dev/null
load_how="DEBUG RELOAD NOSAVE"
if out="$(python3 "$helper" time --port "$port" DEBUG RELOAD NOSAVE 2>&1)"; then
    load_seconds="$(awk -v ms="${out%% *}" 'BEGIN { printf "%.3f", ms / 1000 }')"
else
    # DEBUG refused (or too old a Redis for NOSAVE): restart on the RDB instead, timed
    # from the launch until the key is there; this includes the process's start-up.
    say "DEBUG RELOAD NOSAVE failed ($out): restarting redis-server on the RDB instead"
    load_how="restart"
    stop_server
    since="$(date +%s%N)"
    launch_server "${server_args[@]}"  # on the port it just left
    load_seconds="$(python3 "$helper" wait-loaded --port "$port" --key "$key" --since "$since" --timeout 600)" \
        || { tail -n 5 "$tmp/redis.log" >&2; die "redis-server did not load the RDB"; }
    load_seconds="$(awk -v s="$load_seconds" 'BEGIN { printf "%.3f", s }')"
fi
card="$(cli ZCARD "$key")"
((card == members)) || die "the board holds $card members after the load, expected $members"
say "load: $load_how $load_seconds s"

# --- 4. AOF append throughput -------------------------------------------------------------
# Turning appendonly on rewrites the AOF from the dataset (a fork and a full write):
# wait for that to finish before timing anything.
cli CONFIG SET appendonly yes >/dev/null
for _ in $(seq 6000); do
    [[ "$(info_field persistence aof_rewrite_in_progress)" == 0 && "$(info_field persistence aof_rewrite_scheduled)" == 0 ]] && break
    sleep 0.1
done
[[ "$(info_field persistence aof_rewrite_in_progress)" == 0 ]] || die "the initial AOF rewrite did not finish"
[[ "$(info_field persistence aof_last_bgrewrite_status)" == ok ]] || die "the initial AOF rewrite failed"

# bench CLIENTS REQUESTS: requests per second of one redis-benchmark run. __rand_int__ is
# replaced, at every request and in each place, by a random 12-digit number below
# 1000000: a random score for a random member (m + 12 digits) of the board.
bench() {
    local out rps
    out="$(timeout "$((seconds * 5 + 60))" redis-benchmark -h 127.0.0.1 -p "$port" -c "$1" -P 1 -r 1000000 -n "$2" \
        --csv ZADD "$key" __rand_int__ m__rand_int__)" || die "redis-benchmark -c $1 -n $2 failed or hung"
    # "ZADD board __rand_int__ m__rand_int__","51020.41",...
    rps="$(awk -F'"' 'NR == 2 { print $4 }' <<<"$out")"
    [[ "$rps" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "cannot read requests per second from redis-benchmark: $out"
    echo "$rps"
}

# run_case CLIENTS: "OPS_PER_S REQUESTS" over about --seconds of back-to-back runs, each
# sized from the rate of the one before (growing from a tiny first run) to last up to
# 1 s. One run sized from a short calibration would be off whenever the calibration
# hit one of this disk's fsync hiccups; the runs' total requests over their total time
# also averages them out.
run_case() {
    local clients="$1" n total_n=0 total_s=0 rps
    n=$((clients * 20 > 200 ? clients * 20 : 200))
    while :; do
        rps="$(bench "$clients" "$n")"
        total_n=$((total_n + n))
        total_s="$(awk -v t="$total_s" -v n="$n" -v r="$rps" 'BEGIN { printf "%.6f", t + n / r }')"
        awk -v t="$total_s" -v T="$seconds" 'BEGIN { exit !(t >= T) }' && break
        # min(1 s, what is left) at this run's rate, at most 10 times this run.
        n="$(awk -v n="$n" -v r="$rps" -v t="$total_s" -v T="$seconds" -v c="$clients" 'BEGIN {
            left = T - t; if (left > 1) left = 1
            m = int(r * left) + 1; if (m > 10 * n) m = 10 * n; if (m < 20 * c) m = 20 * c
            print m }')"
    done
    awk -v n="$total_n" -v t="$total_s" 'BEGIN { printf "%d %d\n", n / t, n }'
}

policies=(always everysec no)
writers_list=(1 8 64)
declare -A aof_rps
# Client count outside, policy inside: fsync time on a VM can drift over minutes, and the
# three policies of one client count, run back to back, make a fairer always / no ratio.
for writers in "${writers_list[@]}"; do
    for policy in "${policies[@]}"; do
        cli CONFIG SET appendfsync "$policy" >/dev/null
        read -r rps requests < <(run_case "$writers") || die "appendfsync $policy, $writers clients: no result"
        aof_rps["$policy,$writers"]="$rps"
        say "aof_append: appendfsync $policy, $writers clients: $rps ops/s ($requests requests)"
    done
done
[[ "$(info_field persistence aof_last_write_status)" == ok ]] || die "an AOF write failed (aof_last_write_status)"
for writers in "${writers_list[@]}"; do
    say "aof_append: $writers clients, always / no = $(awk -v a="${aof_rps[always,$writers]}" -v b="${aof_rps[no,$writers]}" 'BEGIN { printf "%.3f", a / b }')"
done

# --- report ------------------------------------------------------------------------------
if ((json)); then
    printf '{"engine":"redis","op":"snapshot","members":%d,"bytes_per_member":%s,"ms":%s}\n' \
        "$members" "$bytes_per_member" "$snapshot_ms"
    printf '{"engine":"redis","op":"fork_stall","members":%d,"fork_us":%d,"max_write_latency_ms":%s}\n' \
        "$members" "$fork_us" "$max_write_ms"
    printf '{"engine":"redis","op":"load","members":%d,"seconds":%s}\n' "$members" "$load_seconds"
    for policy in "${policies[@]}"; do
        for writers in "${writers_list[@]}"; do
            printf '{"engine":"redis","op":"aof_append","fsync":"%s","writers":%d,"ops_per_s":%d}\n' \
                "$policy" "$writers" "${aof_rps[$policy,$writers]}"
        done
    done
else
    echo "redis $version, $members members, seed $seed, data on $filesystem"
    echo "snapshot (SAVE):        $bytes_per_member bytes per member ($rdb_bytes bytes), $snapshot_ms ms"
    echo "fork stall (BGSAVE):    fork $fork_us us, max ZADD round trip during it $max_write_ms ms"
    echo "load ($load_how): $load_seconds s"
    echo "AOF append, ZADD ops/s (redis-benchmark, ~$seconds s a case):"
    printf '%8s %10s %10s %10s %10s\n' clients always everysec no always/no
    for writers in "${writers_list[@]}"; do
        printf '%8d %10d %10d %10d %10s\n' "$writers" "${aof_rps[always,$writers]}" "${aof_rps[everysec,$writers]}" \
            "${aof_rps[no,$writers]}" "$(awk -v a="${aof_rps[always,$writers]}" -v b="${aof_rps[no,$writers]}" 'BEGIN { printf "%.3f", a / b }')"
    done
fi
