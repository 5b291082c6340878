#!/usr/bin/env bash
# Runs the libFuzzer targets (ops/fuzz/README.md), each for a bounded time, one after
# another, over a temporary copy of its committed seed corpus (Tests/FuzzCorpus/TARGET):
# nothing is written into the repository. Builds first (ops/fuzz/build.sh) when needed.
#
#   ops/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     default: 60 seconds, every target
#
# Exits non-zero when any target finds a crash, a timeout (-timeout=5 s per input) or an
# out-of-memory (-rss_limit_mb=2048); the input that did it is kept in
# .build-fuzz/artifacts/ (git-ignored), and the end of the fuzzer's log is printed; each
# target's whole log is .build-fuzz/logs/TARGET.log.
#
# Environment: FUZZ_NICE (default 10), FUZZ_ARGS (more libFuzzer flags, e.g. -seed=1
# -runs=100000), FUZZ_KEEP_CORPUS=DIR (copy each grown corpus to DIR/TARGET afterwards).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# Absolute: the fuzzers run in a temporary directory.
OUT="$(realpath -m "${FUZZ_BUILD_DIR:-$ROOT/.build-fuzz}")"
ALL_TARGETS=(segment snapshot submission query config)

seconds=60
if [ $# -gt 0 ]; then
    seconds=$1
    shift
fi
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "SECONDS_PER_TARGET must be a positive number, not '$seconds'" >&2; exit 2; }
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${ALL_TARGETS[@]}"); fi

# Longest input per target: a few times the largest seed, small enough to stay fast.
max_len() {
    case "$1" in
    segment | snapshot) echo 16384 ;;
    submission | config) echo 4096 ;;
    query) echo 1024 ;;
    *) echo "unknown target '$1' (targets: ${ALL_TARGETS[*]})" >&2; exit 2 ;;
    esac
}
for target in "${targets[@]}"; do max_len "$target" >/dev/null; done

# Swift's own crash backtracer trips AddressSanitizer: leave crash reports to libFuzzer.
export SWIFT_BACKTRACE=enable=no
work=$(mktemp -d "${TMPDIR:-/tmp}/podium-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
build_status=0
"$ROOT/ops/fuzz/build.sh" "${targets[@]}" >"$work/build.log" 2>&1 || build_status=$?
grep -v "Cannot export local symbol" "$work/build.log" || true
[ "$build_status" -eq 0 ] || { echo "ops/fuzz/build.sh failed (exit $build_status)" >&2; exit 1; }
artifacts="$OUT/artifacts"
mkdir -p "$artifacts" "$OUT/logs"
failed=()
summary=()

for target in "${targets[@]}"; do
    corpus="$work/$target"
    mkdir -p "$corpus"
    cp "$ROOT/Tests/FuzzCorpus/$target/"* "$corpus/"
    log="$OUT/logs/$target.log"
    echo "fuzzing $target for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
    status=0
    # libFuzzer stops itself after -max_total_time; `timeout` is the backstop.
    (cd "$work" && timeout --kill-after=30 $((seconds + 120)) nice -n "${FUZZ_NICE:-10}" "$OUT/fuzz/bin/$target" \
        -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len="$(max_len "$target")" \
        -print_final_stats=1 -artifact_prefix="$artifacts/$target-" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1) || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(grep -o 'cov: [0-9]*' <<<"$last" || true)
    ft=$(grep -o 'ft: [0-9]*' <<<"$last" || true)
    corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' <<<"$last" || true)
    line="$target: ${runs:-?} runs, ${cov:-cov: ?}, ${ft:-ft: ?}, ${corp:-corp: ?}, exit $status"
    summary+=("$line")
    echo "  $line"
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        echo "---- $target failed (exit $status); end of its log:"
        tail -60 "$log"
        echo "---- reproducer(s) in $artifacts:"
        ls -1 "$artifacts" | grep "^$target-" || true
    fi
    if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
        mkdir -p "$FUZZ_KEEP_CORPUS/$target"
        cp "$corpus/"* "$FUZZ_KEEP_CORPUS/$target/"
    fi
done

echo "summary:"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "no crash, timeout or out-of-memory"
