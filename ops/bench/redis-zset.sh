#!/usr/bin/env bash
# Redis sorted-set baseline for `podium-bench engine`: the same board, the same random
# workload (see redis_zset_workload.py), timed on the server side.
#
# Each phase is sent through `redis-cli --pipe`, so the client and the network cost
# nothing that is measured: before a phase CONFIG RESETSTAT, after it INFO commandstats,
# whose usec is the time Redis spent executing the phase's commands. Per-op time is
# that total over the phase's op count, to set beside the engine's in-process call time.
# (Redis times each call with a microsecond clock; summed over many calls the rounding
# averages out.)
set -euo pipefail
script_name=redis-zset
# shellcheck source=SCRIPTDIR/redis-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/redis-common.sh"

usage() {
    cat <<'EOF'
Usage: ops/bench/redis-zset.sh [--members N] [--ops K] [--seed S] [--json]

Runs the `podium-bench engine` workload against a private redis-server on 127.0.0.1
and reports Redis's server-side time per operation and used memory per member.

  --members N   members on the board (default 1000000, at least 11)
  --ops K       operations per measured phase (default 1000000)
  --seed S      seed of the SplitMix64 workload (default 1), as podium-bench's --seed
  --json        one JSON object per line on stdout instead of a table
  -h, --help    this message

Installs redis-server and redis-tools with apt-get, and numpy with pip, if missing.
The redis-server version and progress go to stderr.
EOF
}

members=1000000
ops=1000000
seed=1
json=0
while (($#)); do
    case "$1" in
        --members) members="${2:?--members needs a value}"; shift 2 ;;
        --ops) ops="${2:?--ops needs a value}"; shift 2 ;;
        --seed) seed="${2:?--seed needs a value}"; shift 2 ;;
        --json) json=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) unknown_argument "$1" ;;
    esac
done
require_whole_numbers "$members" "$ops" "$seed"
# around5 reads 11 ranks and page10 10 from a random offset: smaller boards make no sense.
((members >= 11 && ops >= 1)) || usage_error "need --members >= 11 and --ops >= 1"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
workload="$here/redis_zset_workload.py"
key=board

install_tools redis-server redis-cli

# --- a private server ----------------------------------------------------------------
make_private_dir "${TMPDIR:-/tmp}"
# Nothing persisted (no RDB, no AOF), so no fork or disk write disturbs the timing.
start_server --save '' --appendonly no

version="$(info_field server redis_version)"
say "redis-server $version on 127.0.0.1:$port, $members members, $ops ops per phase, seed $seed"

# --- phases ----------------------------------------------------------------------------
results=()  # "op mean_ns ops_per_s" per phase

# run_phase OP OPS COMMANDS CMDSTATS...: send OP's COMMANDS Redis commands through the
# pipe, check every one ran without error, and charge the phase the usec of the named
# commandstats entries, over OPS operations.
#
# The commands go between CLIENT REPLY OFF and ON (see CLIENT_REPLY_OFF in the
# generator): redis-cli --pipe cannot read a million range replies in reasonable time,
# and a reader that falls behind makes Redis grow its output buffer inside the timed
# commands. Redis still executes and formats every reply, it just sends none, so the
# pipe's own count is 1 (the +OK of CLIENT REPLY ON) and the commands are checked in
# INFO commandstats instead: calls must equal COMMANDS, failed and rejected calls 0.
run_phase() {
    local op="$1" op_count="$2" command_count="$3"
    shift 3
    local started=$SECONDS
    # The commands are written out before the phase rather than piped in as generated:
    # on a 2-core machine a busy generator beside redis-cli would take CPU from the
    # server in the middle of timed commands. (1M commands are 50-120 MB of RESP.)
    python3 "$workload" --phase "$op" --members "$members" --ops "$ops" --seed "$seed" --key "$key" \
        --no-replies >"$tmp/phase.resp" || die "$op: the generator failed"
    cli CONFIG RESETSTAT >/dev/null
    if ! cli --pipe <"$tmp/phase.resp" >"$tmp/pipe.out" 2>&1; then
        tail -n 20 "$tmp/pipe.out" >&2
        die "$op: redis-cli --pipe failed"
    fi
    rm -f "$tmp/phase.resp"
    # redis-cli ends with "errors: E, replies: R", R not counting its own closing ECHO.
    local summary errors replies
    summary="$(grep -E '^errors: [0-9]+, replies: [0-9]+' "$tmp/pipe.out" | tail -n 1)" \
        || { cat "$tmp/pipe.out" >&2; die "$op: no 'errors: ..., replies: ...' line from redis-cli --pipe"; }
    errors="$(sed -E 's/^errors: ([0-9]+), replies: ([0-9]+).*/\1/' <<<"$summary")"
    replies="$(sed -E 's/^errors: ([0-9]+), replies: ([0-9]+).*/\2/' <<<"$summary")"
    ((errors == 0)) || { head -n 20 "$tmp/pipe.out" >&2; die "$op: redis-cli --pipe saw errors ($summary)"; }
    ((replies == 1)) || die "$op: expected 1 reply (CLIENT REPLY ON), redis-cli --pipe saw $replies ($summary)"

    # cmdstat_zadd:calls=1000000,usec=612345,usec_per_call=0.61,rejected_calls=0,failed_calls=0
    local stats calls usec failed total_errors
    stats="$(cli INFO commandstats | tr -d '\r')"
    read -r calls usec failed < <(awk -F'[:,=]' -v wanted="$*" '
        BEGIN { n = split(wanted, list, " "); for (i = 1; i <= n; i++) want["cmdstat_" list[i]] = 1 }
        $1 in want {
            for (i = 2; i < NF; i += 2) {
                if ($i == "calls") c += $(i + 1)
                if ($i == "usec") u += $(i + 1)
                if ($i == "failed_calls" || $i == "rejected_calls") f += $(i + 1)
            }
        }
        END { printf "%d %d %d\n", c, u, f }' <<<"$stats")
    total_errors="$(info_field stats total_error_replies)"
    ((failed == 0 && total_errors == 0)) \
        || die "$op: $failed failed or rejected calls of '$*', $total_errors error replies in all (INFO errorstats: $(cli INFO errorstats | tr -d '\r' | grep -v '^#' | tr '\n' ' '))"
    ((calls == command_count)) || die "$op: INFO commandstats counts $calls calls of '$*', expected $command_count"

    local mean_ns ops_per_s
    mean_ns="$(awk -v u="$usec" -v n="$op_count" 'BEGIN { printf "%.1f", u * 1000 / n }')"
    ops_per_s="$(awk -v u="$usec" -v n="$op_count" 'BEGIN { if (u > 0) printf "%d", n * 1e6 / u; else print 0 }')"
    results+=("$op $mean_ns $ops_per_s")
    say "$op: $command_count commands, ${usec} us in Redis, ${mean_ns} ns per op ($((SECONDS - started)) s)"
}

used_before="$(info_field memory used_memory)"
run_phase insert "$members" "$members" zadd
used_after="$(info_field memory used_memory)"
card="$(cli ZCARD "$key")"
((card == members)) || die "the board holds $card members after the build, expected $members"

run_phase update "$ops" "$ops" zadd
run_phase incr "$ops" "$ops" zincrby
run_phase score "$ops" "$ops" zscore
run_phase rank "$ops" "$ops" zrevrank
run_phase top10 "$ops" "$ops" zrevrange

# The pipe cannot feed a ZREVRANK reply into the next command, so the generator replays
# the workload to know each member's rank; check a few against the server first, as a
# wrong replay would make around5 read the wrong window.
while read -r member rank; do
    actual="$(cli ZREVRANK "$key" "$member")"
    [[ "$actual" == "$rank" ]] || die "around5: the workload expects $member at rank $rank, Redis says '$actual'"
done < <(python3 "$workload" --expected-ranks 5 --members "$members" --ops "$ops" --seed "$seed")
# One op = ZREVRANK of the member + ZREVRANGE of the 11 ranks around it.
run_phase around5 "$ops" "$((2 * ops))" zrevrank zrevrange

run_phase page10 "$ops" "$ops" zrevrange
run_phase count "$ops" "$ops" zcount
run_phase best "$ops" "$ops" zadd

# As for around5: the generator replays the phases that change scores to set each nudge
# near the member's score; check a few against the server first.
while read -r member score; do
    actual="$(cli ZSCORE "$key" "$member")"
    python3 -c 'import sys; sys.exit(float(sys.argv[1]) != float(sys.argv[2]))' "$actual" "$score" \
        || die "nudge: the workload expects $member at $score, Redis says '$actual'"
done < <(python3 "$workload" --expected-scores 5 --members "$members" --ops "$ops" --seed "$seed")
run_phase nudge "$ops" "$ops" zadd

bytes_per_member="$(awk -v a="$used_after" -v b="$used_before" -v n="$members" 'BEGIN { printf "%.1f", (a - b) / n }')"

# --- report ------------------------------------------------------------------------------
if ((json)); then
    for line in "${results[@]}"; do
        read -r op mean_ns ops_per_s <<<"$line"
        printf '{"engine":"redis","op":"%s","members":%d,"mean_ns":%s,"ops_per_s":%d}\n' \
            "$op" "$members" "$mean_ns" "$ops_per_s"
    done
    printf '{"engine":"redis","op":"memory","members":%d,"bytes_per_member":%s}\n' "$members" "$bytes_per_member"
else
    echo "redis $version, $members members, $ops ops per phase, seed $seed (server-side time)"
    printf '%8s %10s %10s %12s\n' op members "mean ns" "ops/s"
    for line in "${results[@]}"; do
        read -r op mean_ns ops_per_s <<<"$line"
        printf '%8s %10d %10s %12d\n' "$op" "$members" "$mean_ns" "$ops_per_s"
    done
    echo "memory: $bytes_per_member bytes per member (used_memory growth / members)"
fi
