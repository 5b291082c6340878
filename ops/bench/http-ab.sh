#!/usr/bin/env bash
# Two podiumd builds side by side, for a change's before and after: both run the whole
# time, each with board `bench` seeded alike (N members, `update: set`), and each case
# runs on one then the other, the order swapped every rep, so that this VM's drift hits
# both alike. Prints each run, then the median over the reps of the per-pair ratios
# (B / A) of req/s and of server CPU a request. BENCHMARKS.md's A/Bs of binaries.
set -euo pipefail
script_name=http-ab
# shellcheck shell=bash source=SCRIPTDIR/redis-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/redis-common.sh"
# shellcheck source=SCRIPTDIR/podiumd-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/podiumd-common.sh"

usage() {
    cat <<'USAGE'
Usage: ops/bench/http-ab.sh [--members N] [--seconds S] [--reps R] [--cases "C ..."]
                           [--connections C] [--fsync POLICY] DIR_A DIR_B

DIR_A and DIR_B each hold a podiumd (copies of two release builds). CASES are
http_wrk.lua's: submit, rank, batch100 (default "submit rank").

  --members N       members on each board (default 100000)
  --seconds S       length of each run (default 8)
  --reps R          pairs of runs of each case (default 4)
  --connections C   wrk's connections (default 50)
  --fsync POLICY    both servers' --fsync (default everysec)
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command_line="ops/bench/http-ab.sh $*"
members=100000
seconds=8
reps=4
cases="submit rank"
connections=50
fsync=everysec
dirs=()
while (($#)); do
    case "$1" in
        --members) members="${2:?--members needs a value}"; shift 2 ;;
        --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
        --reps) reps="${2:?--reps needs a value}"; shift 2 ;;
        --cases) cases="${2:?--cases needs a value}"; shift 2 ;;
        --connections) connections="${2:?--connections needs a value}"; shift 2 ;;
        --fsync) fsync="${2:?--fsync needs a value}"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        -*) unknown_argument "$1" ;;
        *) dirs+=("$1"); shift ;;
    esac
done
((${#dirs[@]} == 2)) || usage_error "need DIR_A and DIR_B"
require_whole_numbers "$members" "$seconds" "$reps" "$connections"
for d in "${dirs[@]}"; do [[ -x "$d/podiumd" ]] || die "no podiumd in $d"; done
install_wrk

pids=()
make_private_dir "${TMPDIR:-/tmp}"
cleanup() {
    stop_pids
    rm -rf "$tmp"
}
key="bench-admin-key-not-secret"
for name in a b; do
    bin="${dirs[$([[ $name == a ]] && echo 0 || echo 1)]}"
    start_podiumd "$name" --fsync "$fsync"
    seed_board "$name"
done

echo "case rep server rps cpu_us" >"$tmp/results.txt"
for rep in $(seq "$reps"); do
    for case in $cases; do
        order=(a b)
        ((rep % 2)) || order=(b a)
        for name in "${order[@]}"; do
            sync
            sleep 1
            read -r rps p50 p99 cpu <<<"$(run_wrk "$case" "${url[$name]}" "${pid[$name]}")"
            say "rep $rep/$reps $case $name: $rps req/s, p50 $p50 ms, p99 $p99 ms, $cpu us of server CPU a request"
            echo "$case $rep $name $rps $cpu" >>"$tmp/results.txt"
        done
    done
done

python3 - "$tmp/results.txt" "$command_line" "${dirs[0]}" "${dirs[1]}" "$members" "$fsync" <<'PY'
import statistics, sys
path, command_line, a, b, members, fsync = sys.argv[1:]
rows = [line.split() for line in open(path).read().splitlines()[1:]]
print("```sh\n" + command_line + "\n```\n")
print(f"A: {a}; B: {b}; {int(members):,} members, --fsync {fsync}\n")
print("| case | req/s B / A (each pair) | CPU a request B / A (each pair) |")
print("|---|---:|---:|")
for case in dict.fromkeys(row[0] for row in rows):
    pairs = {}
    for row in rows:
        if row[0] == case:
            pairs.setdefault(row[1], {})[row[2]] = (float(row[3]), float(row[4]))
    rps = [p["b"][0] / p["a"][0] for p in pairs.values()]
    cpu = [p["b"][1] / p["a"][1] for p in pairs.values()]
    show = lambda values: f"{statistics.median(values):.2f} ({' / '.join(f'{v:.2f}' for v in values)})"
    print(f"| {case} | {show(rps)} | {show(cpu)} |")
PY
