#!/usr/bin/env bash
# A soak of a real podiumd under --fsync always: a mixed load (score writes, batches,
# multi-board submits, removals, reads checked against a model, sessions, player submits,
# keys, board create/reset/drop, snapshots, one SSE subscriber per board), SIGKILL at a
# random moment every 20-60 s (8-20 s for runs of 3 minutes or less) and a restart on the
# same data directory each time; after each restart every acknowledged write, session,
# key and board is checked, and each board's event seq goes on without a gap or a reuse.
# Ends with a check at rest, a graceful restart and `podium check` (when the CLI is next
# to the binary). See ops/soak.py. Python 3 stdlib only.
#
#   ops/soak.sh [MINUTES] [PODIUMD_BINARY]     (defaults 10 and .build/debug/podiumd; CI: 2)
#
# SOAK_SEED=N repeats a run's kill schedule and random choices (thread timing still
# varies); SOAK_WORKERS=N load threads (default 5); SOAK_KEEP=1 keeps the data and logs of
# a passing run too; SOAK_SELFTEST=1 zeroes the log's last 4 KiB of records after the
# first kill, losing acknowledged writes, so the run must fail (a check of the checks).
# Bounded: MINUTES, plus a few minutes at most. The last line is `N passed, N failed
# (...)`; exit 0 iff none failed. On failure the data directory and one podiumd log per
# run are kept, and their path is printed.
set -euo pipefail
minutes="${1:-10}"
binary="${2:-}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "$binary" ]]; then
    binary="$repo/.build/debug/podiumd"
else
    binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
fi
if ! [[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]] || [[ "$minutes" =~ ^0+([.]0*)?$ ]]; then
    echo "usage: ops/soak.sh [MINUTES] [PODIUMD_BINARY]" >&2
    exit 2
fi
if [[ ! -x "$binary" ]]; then
    echo "soak.sh: no podiumd at $binary (swift build first)" >&2
    exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/podium-soak.XXXXXX")"
# The whole run, bounded: MINUTES, then the final checks and teardown.
bound="$(python3 -c "import sys; print(int(float(sys.argv[1]) * 60 + 240))" "$minutes")"
py=""
cleanup() {
    if [[ -n "$py" ]] && kill -0 "$py" 2>/dev/null; then
        kill -TERM "$py" 2>/dev/null || true
        wait "$py" 2>/dev/null || true
    fi
    # podiumd is the driver's child; should it outlive it, end it (by its pid, if it is podiumd).
    if [[ -f "$work/podiumd.pid" ]]; then
        pid="$(cat "$work/podiumd.pid")"
        if [[ -n "$pid" ]] && [[ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" == "$(readlink -f "$binary")"* ]]; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

args=(--minutes "$minutes" --podiumd "$binary" --work "$work" --workers "${SOAK_WORKERS:-5}")
[[ -n "${SOAK_SEED:-}" ]] && args+=(--seed "$SOAK_SEED")
[[ -n "${SOAK_SELFTEST:-}" ]] && args+=(--selftest)
status=0
timeout -s TERM --kill-after=20 "$bound" python3 -u "$repo/ops/soak.py" "${args[@]}" &
py=$!
wait "$py" || status=$?
py=""
if [[ $status -eq 124 ]]; then
    echo "soak.sh: soak.py did not finish within ${bound}s" >&2
fi
if [[ $status -eq 0 && -z "${SOAK_KEEP:-}" ]]; then
    rm -rf "$work"
else
    echo "soak.sh: data directory and podiumd logs (one per run) in $work" >&2
fi
exit "$status"
