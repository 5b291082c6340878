#!/usr/bin/env bash
# podiumd over HTTPS on its embedded store beside podiumd on the Redis store
# (--store redis://), side by side in one run on loopback, for BENCHMARKS.md.
#
# Four servers run for the whole benchmark, each on its own port:
#   - redis-server (no persistence: --save '' --appendonly no), the store of B and C.
#   - podiumd A: --store embedded (its own data dir, --fsync everysec), board `bench`
#     seeded with N members m0..m{N-1} (http_seed.py).
#   - podiumd B and podiumd C: --store redis://127.0.0.1:REDISPORT, each with its own data
#     dir (which only holds its TLS certificate). Board `bench` is seeded once, through B;
#     C serves the same board from the same Redis.
# Cases, driven by wrk with http_wrk.lua (as ops/bench/http.sh does), each request on a
# random member: submit (POST /v1/boards/bench/scores), rank (GET .../members/mK) and
# batch100 (POST .../scores/batch, 100 random entries), against A and against B; then
# submit-2x and rank-2x: two wrk at once, one on B and one on C, each with half the
# connections; their req/s are summed and p50/p99 are the worse of the two (what a second
# podiumd on the same Redis adds: the scale-out figure).
# Over each case the CPU time (utime + stime in /proc/PID/stat) of redis-server and of the
# podiumd under test (B + C for the 2x cases) is read, and of wrk (the children this shell
# reaped) and of the whole machine (/proc/stat), as a share of the case's wall time:
# redis-server runs commands on one thread, so ~100% redis CPU means Redis is the bound;
# all cores busy means the cores (shared by wrk, podiumd and redis-server on this box) are,
# and "other" CPU is whatever else ran on the machine meanwhile (it skews the case).
# Reps are interleaved (every case once, then again) so drift on this VM hits all cases
# alike; the table has the median of the reps. Any non-2xx response or socket error fails
# the run: the numbers would not be measuring what they claim to.
set -euo pipefail
script_name=redis-backend
# shellcheck source=SCRIPTDIR/redis-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/redis-common.sh"
# shellcheck source=SCRIPTDIR/podiumd-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/podiumd-common.sh"

usage() {
    cat <<'EOF'
Usage: ops/bench/redis-backend.sh [--members N] [--seconds S] [--reps R] [--connections C]
                                  [--bin DIR]

Measures podiumd over HTTPS (submit, rank, batch100) on the embedded store and on the
Redis store (one podiumd, then two podiumd sharing one redis-server: submit-2x, rank-2x),
all on 127.0.0.1, and prints a Markdown table of median req/s, p50, p99 and the CPU used
by podiumd and by redis-server over the reps.

  --members N       members on board bench (default 1000000)
  --seconds S       length of each case's run (default 15)
  --reps R          rounds of all cases, interleaved (default 3)
  --connections C   concurrent connections of wrk (default 50); the 2x cases split
                    them between the two podiumd
  --bin DIR         where podiumd is (default .build-bench/release of this repository;
                    build it with
                    swift build -c release --scratch-path .build-bench --product podiumd)
  -h, --help        this message

Installs wrk, redis-server and redis-tools with apt-get, and numpy with pip, if missing.
Progress goes to stderr, the table to stdout.
EOF
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command_line="ops/bench/redis-backend.sh $*"
members=1000000
seconds=15
reps=3
connections=50
bin="$here/../../.build-bench/release"
while (($#)); do
    case "$1" in
        --members) members="${2:?--members needs a value}"; shift 2 ;;
        --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
        --reps) reps="${2:?--reps needs a value}"; shift 2 ;;
        --connections) connections="${2:?--connections needs a value}"; shift 2 ;;
        --bin) bin="${2:?--bin needs a value}"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) unknown_argument "$1" ;;
    esac
done
require_whole_numbers "$members" "$seconds" "$reps" "$connections"
((members >= 1 && seconds >= 1 && reps >= 1)) || usage_error "need --members, --seconds and --reps >= 1"
((connections >= 4)) || usage_error "need --connections >= 4 (the 2x cases run two wrk of 2 threads each)"
[[ -x "$bin/podiumd" ]] \
    || die "no podiumd in $bin (swift build -c release --scratch-path .build-bench --product podiumd, or --bin DIR)"
podiumd_help="$("$bin/podiumd" --help 2>&1 || true)"
[[ "$podiumd_help" == *--store* ]] || die "$bin/podiumd has no --store option (rebuild it from this checkout)"

install_tools redis-server redis-cli
install_wrk

# --- servers -----------------------------------------------------------------------------
# redis-common.sh's trap stops its redis-server and removes tmp; this cleanup also stops
# the three podiumd and any wrk still running, so nothing outlives the script however it
# ends.
pids=()
make_private_dir "${TMPDIR:-/tmp}"
cleanup() {
    stop_pids
    stop_server
    rm -rf "$tmp"
}

key="bench-admin-key-not-secret"
check_sizes() {
    local name size
    for name in A B C; do
        size="$(board_size "$name")"
        [[ "$size" == "$members" ]] || die "board bench on podiumd $name holds $size members $1, expected $members"
    done
}

start_server --save '' --appendonly no
say "redis-server on 127.0.0.1:$port"
start_podiumd A --store embedded --fsync everysec
start_podiumd B --store "redis://127.0.0.1:$port"
start_podiumd C --store "redis://127.0.0.1:$port"

for name in A B; do
    api "$name" PUT /v1/boards/bench '{"order":"desc","update":"set","tie_break":"earliest"}' >/dev/null
    say "podiumd $name: seeding $members members"
    python3 "$here/http_seed.py" podium --url "${url[$name]}" --cacert "${dir[$name]}/tls/ca.pem" --key "$key" --members "$members"
done
check_sizes "after seeding"
redis_memory="$(info_field memory used_memory_human)"
say "redis-server holds the board in $redis_memory"

# --- CPU ---------------------------------------------------------------------------------
ticks_per_second="$(getconf CLK_TCK)"
cores="$(nproc)"
# process_ticks PID...: utime + stime of the PIDs, in clock ticks; fails if one is gone. The fields after the
# command name (which may hold spaces, in parentheses) start at the state, field 3: utime
# and stime, fields 14 and 15, are the 12th and 13th of them.
process_ticks() {
    local p total=0 rest fields
    for p in "$@"; do
        rest="$(cat "/proc/$p/stat" 2>/dev/null)" || return 1
        read -ra fields <<<"${rest##*) }"
        total=$((total + fields[11] + fields[12]))
    done
    echo "$total"
}
# children_ticks: utime + stime of the children this shell has waited for (cutime and
# cstime, fields 16 and 17): wrk's, read around a case.
children_ticks() {
    local rest fields
    rest="$(<"/proc/$$/stat")"
    read -ra fields <<<"${rest##*) }"
    echo $((fields[13] + fields[14]))
}
# machine_ticks: "busy total" clock ticks of all cores since boot (busy: not idle nor iowait).
machine_ticks() {
    local user nice system idle iowait irq softirq steal rest
    read -r _ user nice system idle iowait irq softirq steal rest </proc/stat
    echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}

# --- cases -------------------------------------------------------------------------------
# run_case CASE NAME... : wrk (-t2, http_wrk.lua) for S seconds on each podiumd NAME at
# once, the connections split evenly between them; sets rps (summed), p50 and p99 (the
# worse of the runs), and podiumd_cpu, redis_cpu, wrk_cpu and other_cpu (% of one core
# over the case's wall time; other: the rest of the machine's busy time) and machine_cpu
# (% of all cores). The wrk are children of this shell, in pids, so cleanup stops them if
# the script is cut short.
run_case() {
    local case="$1"
    shift
    local names=("$@") count=$# i name share outputs=() clients=() failed=0
    local podiumd_pids=() redis_before podiumd_before wrk_before machine_before start end elapsed
    local redis_after podiumd_after wrk_after machine_after
    for name in "${names[@]}"; do podiumd_pids+=("${pid[$name]}"); done
    redis_before="$(process_ticks "$server_pid")" || die "$case: redis-server has exited"
    podiumd_before="$(process_ticks "${podiumd_pids[@]}")" || die "$case: podiumd ${names[*]} has exited"
    machine_before="$(machine_ticks)"
    wrk_before="$(children_ticks)"
    start="$EPOCHREALTIME"
    for i in "${!names[@]}"; do
        name="${names[$i]}"
        # The first runs get the remainder of an uneven split.
        share=$((connections / count + (i < connections % count ? 1 : 0)))
        outputs+=("$tmp/wrk-$case-$name.out")
        wrk -t2 -c"$share" -d"${seconds}s" --latency -s "$here/http_wrk.lua" "${url[$name]}" \
            -- "${case%-2x}" "$members" "$key" >"${outputs[-1]}" 2>&1 &
        clients+=($!)
        pids+=($!)
    done
    for i in "${!clients[@]}"; do
        wait "${clients[$i]}" || { cat "${outputs[$i]}" >&2; failed=1; }
    done
    end="$EPOCHREALTIME"
    wrk_after="$(children_ticks)"
    machine_after="$(machine_ticks)"
    # (A server that died during the case shows in wrk's errors first, below.)
    redis_after="$(process_ticks "$server_pid")" || redis_after=""
    podiumd_after="$(process_ticks "${podiumd_pids[@]}")" || podiumd_after=""
    elapsed="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
    # They have ended: cleanup need not stop them.
    pids=("${pids[@]:0:${#pids[@]}-count}")
    ((failed == 0)) || die "$case: wrk failed"

    rps=0 p50=0 p99=0
    local out one_rps one_p50 one_p99 non2xx socket_errors
    for i in "${!outputs[@]}"; do
        out="${outputs[$i]}"
        read -r one_rps one_p50 one_p99 non2xx socket_errors < <(sed -n 's/^RESULT //p' "$out") \
            || { cat "$out" >&2; die "$case on podiumd ${names[$i]}: no RESULT line from wrk"; }
        ((non2xx == 0 && socket_errors == 0)) \
            || { cat "$out" >&2; die "$case on podiumd ${names[$i]}: $non2xx non-2xx responses, $socket_errors socket errors"; }
        read -r rps p50 p99 < <(awk -v r="$rps" -v a="$p50" -v b="$p99" -v r1="$one_rps" -v a1="$one_p50" -v b1="$one_p99" \
            'BEGIN { print r + r1, (a1 > a ? a1 : a), (b1 > b ? b1 : b) }')
    done
    # The machine's busy ticks are of all cores: per one core, they compare with the others.
    [[ -n "$redis_after" ]] || die "$case: redis-server exited during the case"
    [[ -n "$podiumd_after" ]] || die "$case: podiumd ${names[*]} exited during the case"
    read -r podiumd_cpu redis_cpu wrk_cpu other_cpu machine_cpu < <(awk -v t="$ticks_per_second" -v s="$elapsed" \
        -v p="$((podiumd_after - podiumd_before))" -v r="$((redis_after - redis_before))" -v w="$((wrk_after - wrk_before))" \
        -v mb="$((${machine_after% *} - ${machine_before% *}))" -v mt="$((${machine_after#* } - ${machine_before#* }))" -v n="$cores" \
        'BEGIN {
            busy = mt > 0 ? n * mb / mt : 0; other = busy - (p + r + w) / t / s; if (other < 0) other = 0
            printf "%.1f %.1f %.1f %.1f %.1f\n", 100 * p / t / s, 100 * r / t / s, 100 * w / t / s, 100 * other, (mt > 0 ? 100 * mb / mt : 0)
        }')
}

# Other work on the machine skews every case (the table's `other` column shows how much):
# say so before starting.
machine_before="$(machine_ticks)"
sleep 1
machine_after="$(machine_ticks)"
idle_busy="$(awk -v mb="$((${machine_after% *} - ${machine_before% *}))" -v mt="$((${machine_after#* } - ${machine_before#* }))" \
    -v n="$cores" 'BEGIN { printf "%.0f", (mt > 0 ? 100 * n * mb / mt : 0) }')"
((idle_busy < 25)) || say "warning: the machine is busy before the cases ($idle_busy% of a core with the servers idle): the numbers will be skewed"

# CASE@BACKEND: the wrk case (without -2x) and the podiumd it runs on.
cases=(submit@embedded rank@embedded batch100@embedded submit@redis rank@redis batch100@redis submit-2x@redis-2x rank-2x@redis-2x)
declare -A targets=([embedded]="A" [redis]="B" [redis-2x]="B C")
echo "case backend rep rps p50_ms p99_ms podiumd_cpu redis_cpu wrk_cpu other_cpu machine_cpu" >"$tmp/results.txt"
for rep in $(seq "$reps"); do
    for entry in "${cases[@]}"; do
        case="${entry%@*}" backend="${entry#*@}"
        # The last case's log writes reach the disk, and its in-flight requests finish,
        # outside the next case.
        sync
        sleep 1
        read -ra names <<<"${targets[$backend]}"
        run_case "$case" "${names[@]}"
        say "rep $rep/$reps $case on $backend: $rps req/s, p50 $p50 ms, p99 $p99 ms;" \
            "CPU: podiumd $podiumd_cpu%, redis $redis_cpu%, wrk $wrk_cpu%, other $other_cpu%; $machine_cpu% of $cores cores busy"
        echo "$case $backend $rep $rps $p50 $p99 $podiumd_cpu $redis_cpu $wrk_cpu $other_cpu $machine_cpu" >>"$tmp/results.txt"
    done
done
# Every member drawn was already on the board: a different size means the draws are off.
check_sizes "after the run"

# What the podiumd logged beyond their start (a Redis backend that struggles says so here);
# the bench key's length is warned about at every start.
for name in A B C; do
    grep -iE 'warning|error|critical' "$tmp/$name.log" | grep -v 'PODIUM_ADMIN_KEY is shorter' >"$tmp/$name.warnings" || true
    [[ ! -s "$tmp/$name.warnings" ]] \
        || { say "podiumd $name logged $(wc -l <"$tmp/$name.warnings") warnings or errors, the last ones:"; tail -n 5 "$tmp/$name.warnings" >&2; }
done
# Error replies are expected only as NOSCRIPT (a script's first run on this server).
say "redis-server errorstats: $(cli INFO errorstats | tr -d '\r' | grep '^errorstat_' | tr '\n' ' ' || true)"

# --- report ------------------------------------------------------------------------------
# (wrk --version exits 1.)
wrk_version="$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-3 || true)"
versions="$(redis-server --version | cut -d' ' -f1-3); $wrk_version; nproc $cores; Linux $(uname -r); \
podium $(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)"
python3 - "$tmp/results.txt" "$command_line" "$versions" "$members" "$connections" "$redis_memory" "$cores" <<'PY'
import statistics, sys

path, command_line, versions, members, connections, redis_memory, cores = sys.argv[1:]
lines = open(path).read().splitlines()
rows = [line.split() for line in lines[1:]]
median = {}
for key in dict.fromkeys((row[0], row[1]) for row in rows):
    runs = [row for row in rows if (row[0], row[1]) == key]
    median[key] = [statistics.median(float(row[i]) for row in runs) for i in range(3, 11)]
reps = len(rows) // len(median)

backends = {
    "embedded": "embedded (A)",
    "redis": "redis, 1 podiumd (B)",
    "redis-2x": "redis, 2 podiumd (B + C)",
}

def bound(podiumd, redis, wrk, other, machine):
    if redis >= 80:
        return "redis-server (its one thread)"
    if machine >= 85:
        shared = "podiumd, wrk" + (" and redis-server" if redis >= 10 else "")
        if other >= 25:
            return f"all {cores} cores ({shared}, and other load: skewed)"
        return f"all {cores} cores ({shared})"
    return "no CPU: waits (round trips, fsync)"

print("```sh\n" + command_line + "\n```\n")
print(f"{versions}; {int(members):,} members, {connections} connections (split between B and C in the 2x cases), "
      f"median of {reps} reps; Redis holds the board in {redis_memory}\n")
print("| case | backend | req/s | p50 ms | p99 ms | podiumd CPU % | redis CPU % | wrk CPU % | other CPU % | bound |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
for (case, backend), (rps, p50, p99, podiumd, redis, wrk, other, machine) in median.items():
    print(f"| {case} | {backends[backend]} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {podiumd:.0f} | {redis:.0f} | {wrk:.0f} | {other:.0f} | "
          f"{bound(podiumd, redis, wrk, other, machine)} |")
print(f"\nCPU %: CPU-seconds per wall second over the case, x100, so 100 is one core of the {cores}: podiumd is B + C "
      "in the 2x cases; redis-server runs commands on one thread, so ~100 means it is the bound; other is the rest "
      "of the machine's busy time (anything else running skews the case). The bound: redis-server at >= 80, "
      "else all cores when the machine was >= 85% busy, else neither.\n")

def rps(case, backend):
    return median[(case, backend)][0]
print("| ratio (req/s) | value |")
print("|---|---:|")
for case in ("submit", "rank", "batch100"):
    print(f"| {case}: redis / embedded | {rps(case, 'redis') / rps(case, 'embedded'):.2f} |")
for case in ("submit", "rank"):
    print(f"| {case}: 2 podiumd / 1 podiumd on redis | {rps(case + '-2x', 'redis-2x') / rps(case, 'redis'):.2f} |")
PY
