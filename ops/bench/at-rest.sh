#!/usr/bin/env bash
# Encryption at rest: the same storage and HTTPS measurements plain and encrypted, in one
# run on this machine, for BENCHMARKS.md.
#
# Two parts, each rep running both modes back to back (plain first in odd reps, encrypted
# first in even ones), so drift on this VM, and the disk still writing back the case
# before, hit both modes alike; the table has the median of the reps and the encrypted /
# plain ratio:
#   - storage: `podium-bench storage --members N --seconds S --json`, and the same with
#     --encrypted (a random key, AES-256-GCM as podiumd --encryption-key-file), in
#     process: the snapshot of an N-member board while a writer updates it (ms), the load
#     of a snapshot alone (s), recovery of a snapshot plus the log the writer filled
#     meanwhile (s), writers that append a record and wait for its fsync under
#     `--fsync always`, 8 and 64 of them (appends/s), and one writer under `--fsync no`
#     (an append's CPU alone, no disk wait: where sealing each record shows).
#   - HTTPS: two podiumd with --fsync always, one plain and one with
#     --encryption-key-file (32 bytes of /dev/urandom, mode 600), each with board `bench`
#     (update: set, so every submit changes the board and writes a record) seeded with M
#     members m0..m{M-1} (http_seed.py); wrk with http_wrk.lua's `submit` case (POST
#     /v1/boards/bench/scores, a random member and score): req/s, p50, p99, and over the
#     case podiumd's CPU per submit, log bytes per submit and submits per fsync (from
#     /v1/admin/stats), and the CPU the rest of the machine used meanwhile.
# Before the cases the script checks that the encrypted podiumd reports a key id and that
# a seeded member's name is in its data directory's files only in the plain one. Any
# non-2xx response or socket error fails the run: the numbers would not be measuring what
# they claim to.
set -euo pipefail
script_name=at-rest
# shellcheck source=SCRIPTDIR/redis-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/redis-common.sh"
# shellcheck source=SCRIPTDIR/podiumd-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/podiumd-common.sh"

usage() {
    cat <<'EOF'
Usage: ops/bench/at-rest.sh [--members N] [--seconds S] [--https-members M]
                           [--https-seconds T] [--reps R] [--connections C] [--bin DIR]

Measures Podium plain and encrypted at rest (AES-256-GCM) in one run: snapshot time,
snapshot load, recovery and fsync-always appends with podium-bench storage, and HTTPS
submits to podiumd --fsync always, and prints a Markdown table of the medians over the
reps with the encrypted / plain ratios.

  --members N         members on podium-bench storage's board (default 1000000)
  --seconds S         length of each of podium-bench storage's append cases (default 3)
  --https-members M   members seeded on each podiumd's board (default 100000)
  --https-seconds T   length of each HTTPS submit case (default 10)
  --reps R            rounds of plain and encrypted, interleaved (default 3)
  --connections C     concurrent connections of wrk (default 50)
  --bin DIR           where podiumd and podium-bench are (default .build/release of
                      this repository; build them with
                      swift build -c release --product podiumd and --product podium-bench)
  -h, --help          this message

Installs wrk with apt-get if missing. Progress goes to stderr, the table to stdout.
EOF
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command_line="ops/bench/at-rest.sh $*"
members=1000000
seconds=3
https_members=100000
https_seconds=10
reps=3
connections=50
bin="$here/../../.build/release"
while (($#)); do
    case "$1" in
        --members) members="${2:?--members needs a value}"; shift 2 ;;
        --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
        --https-members) https_members="${2:?--https-members needs a value}"; shift 2 ;;
        --https-seconds) https_seconds="${2:?--https-seconds needs a value}"; shift 2 ;;
        --reps) reps="${2:?--reps needs a value}"; shift 2 ;;
        --connections) connections="${2:?--connections needs a value}"; shift 2 ;;
        --bin) bin="${2:?--bin needs a value}"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) unknown_argument "$1" ;;
    esac
done
require_whole_numbers "$members" "$seconds" "$https_members" "$https_seconds" "$reps" "$connections"
((members >= 1 && seconds >= 1 && https_members >= 1 && https_seconds >= 1 && reps >= 1)) \
    || usage_error "need --members, --seconds, --https-members, --https-seconds and --reps >= 1"
((connections >= 2)) || usage_error "need --connections >= 2 (wrk runs 2 threads)"
[[ -x "$bin/podiumd" ]] || die "no podiumd in $bin (swift build -c release --product podiumd, or --bin DIR)"
[[ -x "$bin/podium-bench" ]] || die "no podium-bench in $bin (swift build -c release --product podium-bench, or --bin DIR)"
[[ "$("$bin/podiumd" --help 2>&1 || true)" == *--encryption-key-file* ]] \
    || die "$bin/podiumd has no --encryption-key-file option (rebuild it from this checkout)"
[[ "$("$bin/podium-bench" storage --help 2>&1 || true)" == *--encrypted* ]] \
    || die "$bin/podium-bench storage has no --encrypted flag (rebuild it from this checkout)"

install_wrk

# --- servers -----------------------------------------------------------------------------
# make_private_dir's trap runs this cleanup at every exit: it stops the two podiumd, any
# wrk or podium-bench still running, and removes tmp (the key file with it).
pids=()
make_private_dir "${TMPDIR:-/tmp}"
cleanup() {
    stop_pids
    rm -rf "$tmp"
}

key="bench-admin-key-not-secret"
key_file="$tmp/podium.key"
(umask 077 && head -c 32 /dev/urandom >"$key_file")
chmod 600 "$key_file"
# log_stats MODE: "bytes fsyncs fsync_seconds" of podiumd MODE's log since it started.
log_stats() {
    api "$1" GET /v1/admin/stats \
        | python3 -c 'import json, sys; s = json.load(sys.stdin); print(s["aof_written_bytes"], s["aof_fsyncs"], s["aof_fsync_seconds"])'
}
key_id() { api "$1" GET /v1/admin/stats | python3 -c 'import json, sys; print(json.load(sys.stdin)["encryption"]["key_id"] or "none")'; }

modes=(plain encrypted)
start_podiumd plain --fsync always
start_podiumd encrypted --fsync always --encryption-key-file "$key_file"
for mode in "${modes[@]}"; do
    api "$mode" PUT /v1/boards/bench '{"order":"desc","update":"set","tie_break":"earliest"}' >/dev/null
    say "podiumd $mode: seeding $https_members members"
    python3 "$here/http_seed.py" podium --url "${url[$mode]}" --cacert "${dir[$mode]}/tls/ca.pem" --key "$key" \
        --members "$https_members"
    [[ "$(board_size "$mode")" == "$https_members" ]] \
        || die "board bench on podiumd $mode holds $(board_size "$mode") members after seeding, expected $https_members"
done

# The encrypted podiumd writes under the key, and its files do not hold the members' names
# in the clear; the plain one's do (else this check proves nothing).
[[ "$(key_id plain)" == none ]] || die "podiumd plain reports an encryption key id: $(key_id plain)"
[[ "$(key_id encrypted)" != none ]] || die "podiumd encrypted reports no encryption key id"
probe="m$((https_members - 1))"
contains_name() { grep -rqaF --exclude-dir=tls "$probe" "$1"; }
contains_name "${dir[plain]}" || die "the plain data dir does not hold '$probe' in the clear: this check is broken"
! contains_name "${dir[encrypted]}" || die "the encrypted data dir holds '$probe' in the clear"
say "checked: podiumd encrypted writes under key $(key_id encrypted); '$probe' is in the clear only in the plain data dir"

# --- CPU ---------------------------------------------------------------------------------
ticks_per_second="$(getconf CLK_TCK)"
cores="$(nproc)"
# process_ticks PID: utime + stime of PID, in clock ticks; fails if it is gone. The fields
# after the command name (in parentheses) start at the state, field 3: utime and stime,
# fields 14 and 15, are the 12th and 13th of them.
process_ticks() {
    local rest fields
    rest="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    read -ra fields <<<"${rest##*) }"
    echo $((fields[11] + fields[12]))
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
# run_storage MODE REP: podium-bench storage in process, its JSON lines in
# tmp/storage-MODE-REP.jsonl; its data in tmp (the same disk as the servers').
run_storage() {
    local mode="$1" rep="$2" flags=()
    [[ "$mode" == plain ]] || flags=(--encrypted)
    "$bin/podium-bench" storage --members "$members" --seconds "$seconds" --json --data-dir "$tmp/storage" "${flags[@]}" \
        >"$tmp/storage-$mode-$rep.jsonl" 2>"$tmp/storage.err" &
    pids+=($!)
    wait "${pids[-1]}" || { cat "$tmp/storage.err" >&2; die "podium-bench storage ($mode) failed"; }
    unset 'pids[-1]'
    python3 - "$tmp/storage-$mode-$rep.jsonl" "$mode" <<'PY' >&2 || die "podium-bench storage ($mode): unexpected output"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert all(row["encrypted"] == (sys.argv[2] == "encrypted") for row in rows), "wrong mode"
one = lambda op: next(row for row in rows if row["op"] == op)
always = {row["writers"]: row["ops_per_s"] for row in rows if row["op"] == "aof_append" and row["fsync"] == "always"}
print(f"at-rest: storage {sys.argv[2]}: snapshot {one('snapshot')['ms']} ms, load {one('snapshot_load')['seconds']} s, "
      f"recovery {one('recovery')['seconds']} s, always 8 writers {always[8]:,}/s, 64 writers {always[64]:,}/s")
PY
}

# run_submit MODE: wrk's submit case on podiumd MODE for T seconds; sets rps, p50, p99,
# cpu_us (podiumd CPU per submit), bytes (log bytes per submit), per_fsync (submits per
# fsync), fsync_ms (mean fsync) and other_cpu (% of one core the rest of the machine used).
run_submit() {
    local mode="$1" stats_before stats_after podiumd_before podiumd_after wrk_before wrk_after
    local machine_before machine_after start end elapsed requests non2xx socket_errors
    stats_before="$(log_stats "$mode")"
    podiumd_before="$(process_ticks "${pid[$mode]}")" || die "podiumd $mode has exited"
    machine_before="$(machine_ticks)"
    wrk_before="$(children_ticks)"
    start="$EPOCHREALTIME"
    wrk -t2 -c"$connections" -d"${https_seconds}s" --latency -s "$here/http_wrk.lua" "${url[$mode]}" \
        -- submit "$https_members" "$key" >"$tmp/wrk.out" 2>&1 &
    pids+=($!)
    wait "${pids[-1]}" || { cat "$tmp/wrk.out" >&2; die "submit on podiumd $mode: wrk failed"; }
    unset 'pids[-1]'
    end="$EPOCHREALTIME"
    wrk_after="$(children_ticks)"
    machine_after="$(machine_ticks)"
    podiumd_after="$(process_ticks "${pid[$mode]}")" || die "podiumd $mode exited during the case"
    stats_after="$(log_stats "$mode")"
    read -r rps p50 p99 non2xx socket_errors < <(sed -n 's/^RESULT //p' "$tmp/wrk.out") \
        || { cat "$tmp/wrk.out" >&2; die "submit on podiumd $mode: no RESULT line from wrk"; }
    ((non2xx == 0 && socket_errors == 0)) \
        || { cat "$tmp/wrk.out" >&2; die "submit on podiumd $mode: $non2xx non-2xx responses, $socket_errors socket errors"; }
    requests="$(sed -nE 's/^ *([0-9]+) requests in .*/\1/p' "$tmp/wrk.out")"
    [[ -n "$requests" ]] || { cat "$tmp/wrk.out" >&2; die "submit on podiumd $mode: no request count from wrk"; }
    elapsed="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
    read -r cpu_us bytes per_fsync fsync_ms other_cpu < <(awk -v t="$ticks_per_second" -v s="$elapsed" -v n="$requests" \
        -v p="$((podiumd_after - podiumd_before))" -v w="$((wrk_after - wrk_before))" -v c="$cores" \
        -v mb="$((${machine_after% *} - ${machine_before% *}))" -v mt="$((${machine_after#* } - ${machine_before#* }))" \
        -v before="$stats_before" -v after="$stats_after" \
        'BEGIN {
            split(before, b, " "); split(after, a, " ")
            fsyncs = a[2] - b[2]
            busy = mt > 0 ? c * mb / mt : 0; other = busy - (p + w) / t / s; if (other < 0) other = 0
            printf "%.1f %.1f %.2f %.3f %.0f\n", 1e6 * p / t / n, (a[1] - b[1]) / n, (fsyncs > 0 ? n / fsyncs : 0),
                (fsyncs > 0 ? 1000 * (a[3] - b[3]) / fsyncs : 0), 100 * other
        }')
}

# Other work on the machine skews every case: say so before starting.
machine_before="$(machine_ticks)"
sleep 1
machine_after="$(machine_ticks)"
idle_busy="$(awk -v mb="$((${machine_after% *} - ${machine_before% *}))" -v mt="$((${machine_after#* } - ${machine_before#* }))" \
    -v n="$cores" 'BEGIN { printf "%.0f", (mt > 0 ? 100 * n * mb / mt : 0) }')"
((idle_busy < 25)) || say "warning: the machine is busy before the cases ($idle_busy% of a core with the servers idle): the numbers will be skewed"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "mode rep rps p50_ms p99_ms cpu_us bytes per_fsync fsync_ms other_cpu" >"$tmp/submits.txt"
for rep in $(seq "$reps"); do
    # Odd reps run plain first, even reps encrypted first: the second of a pair runs on
    # a disk still writing back the first's log, and that must not always be one mode.
    order=("${modes[@]}")
    ((rep % 2 == 1)) || order=("${modes[1]}" "${modes[0]}")
    for mode in "${order[@]}"; do
        # The last case's writes reach the disk outside the next case.
        sync
        say "rep $rep/$reps: podium-bench storage, $mode"
        run_storage "$mode" "$rep"
    done
    for mode in "${order[@]}"; do
        # The last case's log writes reach the disk, and its in-flight requests finish,
        # outside the next case.
        sync
        sleep 1
        run_submit "$mode"
        say "rep $rep/$reps submit $mode: $rps req/s, p50 $p50 ms, p99 $p99 ms; podiumd $cpu_us us CPU and $bytes log bytes" \
            "a submit, $per_fsync submits per fsync (mean $fsync_ms ms); other load $other_cpu% of a core"
        echo "$mode $rep $rps $p50 $p99 $cpu_us $bytes $per_fsync $fsync_ms $other_cpu" >>"$tmp/submits.txt"
    done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
# Every member drawn was already on the board: a different size means the draws are off.
for mode in "${modes[@]}"; do
    [[ "$(board_size "$mode")" == "$https_members" ]] \
        || die "board bench on podiumd $mode holds $(board_size "$mode") members after the run, expected $https_members"
    grep -iE 'warning|error|critical' "$tmp/$mode.log" | grep -v 'PODIUM_ADMIN_KEY is shorter' >"$tmp/$mode.warnings" || true
    [[ ! -s "$tmp/$mode.warnings" ]] \
        || { say "podiumd $mode logged $(wc -l <"$tmp/$mode.warnings") warnings or errors, the last ones:"; tail -n 5 "$tmp/$mode.warnings" >&2; }
done

# --- report ------------------------------------------------------------------------------
# (wrk --version exits 1.)
wrk_version="$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-3 || true)"
versions="$wrk_version; nproc $cores; Linux $(uname -r); podium $(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)"
python3 - "$tmp" "$reps" "$command_line" "$versions" "$members" "$https_members" "$connections" "$seconds" "$https_seconds" \
    "$load_before" "$load_after" <<'PY'
import json, statistics, sys

tmp, reps, command_line, versions, members, https_members, connections, seconds, https_seconds, load_before, load_after = sys.argv[1:]
reps = int(reps)
modes = ("plain", "encrypted")

# runs[mode][measure] = [value of each rep]
runs = {mode: {} for mode in modes}
def add(mode, measure, value):
    runs[mode].setdefault(measure, []).append(value)

for mode in modes:
    for rep in range(1, reps + 1):
        rows = [json.loads(line) for line in open(f"{tmp}/storage-{mode}-{rep}.jsonl")]
        one = lambda op: next(row for row in rows if row["op"] == op)
        add(mode, "snapshot_ms", one("snapshot")["ms"])
        add(mode, "bytes_per_member", one("snapshot")["bytes_per_member"])
        add(mode, "stall_ms", one("snapshot_stall")["max_write_latency_ms"])
        add(mode, "load_s", one("snapshot_load")["seconds"])
        add(mode, "recovery_s", one("recovery")["seconds"])
        add(mode, "recovery_records", one("recovery")["log_records"])
        for writers in (8, 64):
            row = next(r for r in rows if r["op"] == "aof_append" and r["fsync"] == "always" and r["writers"] == writers)
            add(mode, f"always_{writers}", row["ops_per_s"])
            add(mode, f"per_fsync_{writers}", row["ops_per_s"] * float(seconds) / row["fsyncs"] if row["fsyncs"] else 0)
        # No disk wait: an append's CPU alone, which is where a seal's cost shows.
        row = next(r for r in rows if r["op"] == "aof_append" and r["fsync"] == "no" and r["writers"] == 1)
        add(mode, "no_1_us", 1e6 / row["ops_per_s"])

lines = open(f"{tmp}/submits.txt").read().splitlines()
columns = lines[0].split()[2:]
for line in lines[1:]:
    mode, _, *values = line.split()
    for column, value in zip(columns, values):
        add(mode, "submit_" + column, float(value))

median = {mode: {measure: statistics.median(values) for measure, values in runs[mode].items()} for mode in modes}

# (measure, label, format, target): "time" is at most 1.10x plain, "rate" at least 0.90x.
rows = [
    ("snapshot_ms", f"snapshot of {int(members):,} members, ms (a writer updating)", "{:,.0f}", "time"),
    ("load_s", "load a snapshot alone, s", "{:.3f}", "time"),
    ("recovery_s", "recovery: snapshot + the writer's log tail, s", "{:.3f}", "time"),
    ("recovery_records", "log records in that tail", "{:,.0f}", None),
    ("bytes_per_member", "snapshot bytes per member", "{:.1f}", None),
    ("stall_ms", "longest write during the snapshot, ms", "{:.2f}", None),
    ("always_8", "appends/s, fsync always, 8 writers", "{:,.0f}", "rate"),
    ("always_64", "appends/s, fsync always, 64 writers", "{:,.0f}", "rate"),
    ("per_fsync_64", "appends per fsync, 64 writers", "{:.1f}", None),
    ("no_1_us", "us per append, fsync no, 1 writer (CPU, no disk wait)", "{:.2f}", None),
    ("submit_rps", "HTTPS submits/s, fsync always", "{:,.0f}", "rate"),
    ("submit_p50_ms", "HTTPS submit p50, ms", "{:.2f}", "time"),
    ("submit_p99_ms", "HTTPS submit p99, ms", "{:.2f}", "time"),
    ("submit_cpu_us", "podiumd CPU per submit, us", "{:.0f}", None),
    ("submit_bytes", "log bytes per submit", "{:.1f}", None),
    ("submit_per_fsync", "submits per fsync", "{:.1f}", None),
    ("submit_fsync_ms", "mean fsync during the submits, ms", "{:.3f}", None),
    ("submit_other_cpu", "other load during the submits, % of a core", "{:.0f}", None),
]

print("```sh\n" + command_line + "\n```\n")
print(f"{versions}; storage: podium-bench storage, {int(members):,} members, {seconds} s an append case; HTTPS: podiumd "
      f"--fsync always, {int(https_members):,} members, {connections} connections, {https_seconds} s a case; "
      f"median of {reps} interleaved reps; load average {load_before} before, {load_after} after\n")
print("| measure | plain | encrypted | encrypted / plain | target |")
print("|---|---:|---:|---:|---|")
for measure, label, form, target in rows:
    plain, encrypted = median["plain"][measure], median["encrypted"][measure]
    ratio = encrypted / plain if plain else float("nan")
    verdict = ""
    if target == "time":
        verdict = "<= 1.10: " + ("met" if ratio <= 1.10 else "**not met**")
    elif target == "rate":
        verdict = ">= 0.90: " + ("met" if ratio >= 0.90 else "**not met**")
    print(f"| {label} | {form.format(plain)} | {form.format(encrypted)} | {ratio:.2f} | {verdict} |")

print("\nEach rep (plain / encrypted):\n")
print("| measure | " + " | ".join(f"rep {rep}" for rep in range(1, reps + 1)) + " |")
print("|---|" + "---:|" * reps)
for measure, label, form, target in rows:
    if target is None and measure != "submit_other_cpu":
        continue
    cells = [f"{form.format(runs['plain'][measure][i])} / {form.format(runs['encrypted'][measure][i])}" for i in range(reps)]
    print(f"| {label} | " + " | ".join(cells) + " |")
PY
