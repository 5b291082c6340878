#!/usr/bin/env bash
# Podium's event stream under fan-out, on loopback, for BENCHMARKS.md:
#
#   ops/bench/fanout.sh [--members 1000000] [--subscribers 10000] [--rate 1000] [--seconds 30]
#
# Starts a release podiumd (TLS, --fsync everysec, --event-queue 4096) on a free port with
# a fresh data dir, creates board `bench` ({"update":"set"}, so that every random score
# changes the board) and seeds it with N members m0..m{N-1} (http_seed.py --spread: whole
# scores that podium-bench knows, any run m0..mH spread over the board), then runs
# `podium-bench fanout` against it, which:
#   - measures podiumd's resident memory, opens S WebSockets over TLS (half `top=100`,
#     half `members=` of 10 of the 1,000 "hot" members m0..m999, each watched by ~S/20),
#     100 at a time, and after 2 s idle measures it again: bytes per idle subscriber;
#   - submits R scores a second for T seconds over HTTPS (1% to one of 100 members put at
#     the top first, 20% to a hot member, the rest to any member; each climbs 1 to 100
#     points, passing ~50 members, unless `-- --moves jump` sends them anywhere, the top
#     ones above all), each with a unique score, and for every `score_changed` a
#     subscriber receives records submit-send -> receipt;
#   - reports updates/s, submit p50/p99, messages/s delivered, delivery p50/p90/p99/max,
#     `overtaken` and `lagged` counts, podiumd's CPU (/proc/PID/stat) per delivered
#     message, and closes every socket.
# Client and server share this machine's cores: the numbers are for both on one host.
set -euo pipefail
script_name=fanout
# shellcheck source=SCRIPTDIR/redis-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/redis-common.sh"

usage() {
    cat <<'EOF'
Usage: ops/bench/fanout.sh [--members N] [--subscribers S] [--rate R] [--seconds T]
                           [--event-queue Q] [--bin DIR] [--json] [-- FANOUT-OPTION...]

Starts podiumd with board `bench` of N members, runs `podium-bench fanout` against it
(S WebSocket subscribers, R score updates a second for T seconds) and prints its
Markdown table (or, with --json, one JSON object).

  --members N       members on the board (default 1000000)
  --subscribers S   WebSocket subscribers (default 10000)
  --rate R          score updates a second (default 1000)
  --seconds T       seconds of updates (default 30)
  --event-queue Q   podiumd --event-queue, per-subscriber queue (default 4096)
  --bin DIR         where podiumd and podium-bench are (default .build/release of this
                    repository; swift build -c release --product podiumd, and
                    --product podium-bench)
  --json            the result as one JSON object
  -- ...            further options for `podium-bench fanout` (see its --help)
  -h, --help        this message

Progress goes to stderr, the table to stdout.
EOF
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command_line="ops/bench/fanout.sh $*"
members=1000000
subscribers=10000
rate=1000
seconds=30
event_queue=4096
bin="$here/../../.build/release"
json=()
extra=()
while (($#)); do
    case "$1" in
        --members) members="${2:?--members needs a value}"; shift 2 ;;
        --subscribers) subscribers="${2:?--subscribers needs a value}"; shift 2 ;;
        --rate) rate="${2:?--rate needs a value}"; shift 2 ;;
        --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
        --event-queue) event_queue="${2:?--event-queue needs a value}"; shift 2 ;;
        --bin) bin="${2:?--bin needs a value}"; shift 2 ;;
        --json) json=(--json); shift ;;
        --) shift; extra=("$@"); break ;;
        -h | --help) usage; exit 0 ;;
        *) unknown_argument "$1" ;;
    esac
done
require_whole_numbers "$members" "$subscribers" "$rate" "$seconds" "$event_queue"
((members >= 1000 && rate >= 1 && seconds >= 1 && event_queue >= 1)) \
    || usage_error "need --members >= 1000 (the hot set is m0..m999), --rate, --seconds and --event-queue >= 1"
[[ -x "$bin/podiumd" ]] || die "no podiumd in $bin (swift build -c release --product podiumd, or --bin DIR)"
"$bin/podium-bench" fanout --help >/dev/null 2>&1 \
    || die "$bin/podium-bench has no fanout subcommand (rebuild: swift build -c release --product podium-bench)"
command -v curl >/dev/null || die "needs curl"

# Every subscriber is a socket at each end: podiumd and podium-bench each need S + some
# descriptors. Raise the hard limit when allowed (root), else the soft one to the hard one.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) > subscribers + 256)) \
    || say "warning: open-file limit $(ulimit -n) is below $subscribers subscribers + 256; connections will fail"

# --- server ------------------------------------------------------------------------------
pid=""
make_private_dir "${TMPDIR:-/tmp}"
cleanup() {
    if [[ -n "$pid" ]]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}

key="bench-admin-key-not-secret"
port="$(free_port)"
url="https://127.0.0.1:$port"
ca="$tmp/podium/tls/ca.pem"
env PODIUM_ADMIN_KEY="$key" "$bin/podiumd" --data-dir "$tmp/podium" --listen "127.0.0.1:$port" \
    --fsync everysec --event-queue "$event_queue" >"$tmp/podiumd.log" 2>&1 &
pid=$!
ready=0
for _ in $(seq 300); do
    if [[ -f "$ca" && "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$ca" "$url/readyz")" == 200 ]]; then
        ready=1
        break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
((ready)) || { tail -n 20 "$tmp/podiumd.log" >&2; die "podiumd did not become ready on $url"; }

# api METHOD PATH [BODY]: a call to podiumd with the key; prints the body, dies unless 2xx.
api() {
    local response data=()
    (($# < 3)) || data=(--data "$3")
    response="$(curl -sS --max-time 30 --cacert "$ca" -X "$1" -w '\n%{http_code}' \
        -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "${data[@]}" "$url$2")"
    [[ "${response##*$'\n'}" == 2* ]] || die "$1 $2: HTTP ${response##*$'\n'}: ${response%$'\n'*}"
    echo "${response%$'\n'*}"
}
board_size() { api GET /v1/boards/bench | python3 -c 'import json, sys; print(json.load(sys.stdin)["size"])'; }

# "set": a board created with {} keeps each member's best score, and would ignore (and
# not publish) every random update that is lower than the member's score.
api PUT /v1/boards/bench '{"update":"set"}' >/dev/null
say "podiumd (pid $pid) on $url: seeding $members members"
python3 "$here/http_seed.py" podium --url "$url" --cacert "$ca" --key "$key" --members "$members" --spread
[[ "$(board_size)" == "$members" ]] || die "board bench holds $(board_size) members after seeding, expected $members"

# --- run ---------------------------------------------------------------------------------
say "podium-bench fanout: $subscribers subscribers, $rate updates/s for $seconds s"
"$bin/podium-bench" fanout --url "$url" --key "$key" --cacert "$ca" --board bench --members "$members" \
    --subscribers "$subscribers" --rate "$rate" --seconds "$seconds" --server-pid "$pid" \
    "${json[@]}" "${extra[@]}" >"$tmp/result.out" \
    || { cat "$tmp/result.out"; tail -n 20 "$tmp/podiumd.log" >&2; die "podium-bench fanout failed"; }
kill -0 "$pid" 2>/dev/null || { tail -n 20 "$tmp/podiumd.log" >&2; die "podiumd exited during the run"; }

if ((${#json[@]})); then
    cat "$tmp/result.out"
else
    echo '```sh'
    echo "$command_line"
    echo '```'
    echo
    echo "nproc $(nproc); Linux $(uname -r); podiumd --fsync everysec --event-queue $event_queue; \
podium $(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)"
    echo
    cat "$tmp/result.out"
fi
