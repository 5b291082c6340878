#!/usr/bin/env bash
# Builds Podium's targets and tests with a sanitizer (PODIUM_SANITIZE, read by
# Package.swift: Podium's own code instrumented, its packages not) and runs the test
# targets that sanitizer is for:
#
#   thread   ThreadSanitizer   PodiumServiceTests
#   address  AddressSanitizer  PodiumEngineTests, PodiumStorageTests, PodiumHTTPTests
#
#   ops/ci/sanitizers.sh thread|address [SCRATCH]
#
# SCRATCH defaults to .build, so that the packages compiled by the plain build are reused
# and only Podium is recompiled (~2 minutes on 2 cores, against ~11 for a build of
# everything instrumented); the next plain `swift build` there recompiles Podium again.
# The packages' own code (SwiftNIO, BoringSSL, ...) is not checked: theirs to sanitize.
#
# Exits non-zero on a failed build, a failed test, or any sanitizer report, from the test
# process or from a process a test starts (podiumd, podium-storage-writer): every process
# writes its reports to a file under the run's log directory (log_path), which is printed
# at the end. Says how long the build and the run took.
#
# Environment:
#   SANITIZER_FILTER         Swift Testing --filter (a regex over test ids, "Module.Suite/test()")
#   SANITIZER_SKIP           Swift Testing --skip, the same kind of regex (default: none)
#   SANITIZER_BUILD_TIMEOUT  seconds for the build (default 3600)
#   SANITIZER_TEST_TIMEOUT   seconds for the test run (default 3600)
#   SANITIZER_LOG_DIR        where the output and the reports go (default: a new temporary directory)
#   TSAN_OPTIONS / ASAN_OPTIONS are added to, not replaced.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

usage() {
    echo "usage: $0 thread|address [SCRATCH]" >&2
    exit 2
}

kind="${1:-}"
case "$kind" in
thread)
    scratch="${2:-.build}"
    # Not the engine's tests: the engine is single-threaded (the service's locks guard it),
    # and its model tests, 5-15x slower under TSan, held both cores for 7+ minutes before
    # any service test ran. SANITIZER_FILTER='PodiumEngineTests|PodiumServiceTests' for both.
    filter="${SANITIZER_FILTER:-PodiumServiceTests}"
    name=ThreadSanitizer
    # (Package.swift defines PODIUM_TSAN: Locked, in PodiumSync, becomes a pthread mutex
    # TSan sees; Synchronization.Mutex takes a contended lock in the uninstrumented
    # standard library, which TSan reports as races.)
    ;;
address)
    scratch="${2:-.build}"
    # The engine's too: its entries move with raw memory copies and are scanned with
    # unaligned vector loads, which its model tests drive through every split and merge.
    filter="${SANITIZER_FILTER:-PodiumEngineTests|PodiumStorageTests|PodiumHTTPTests}"
    name=AddressSanitizer
    ;;
*) usage ;;
esac

logs="${SANITIZER_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/podium-$kind.XXXXXX")}"
mkdir -p "$logs"
rm -f "$logs"/report.*
# Reports of every sanitized process, the test process's children included, go to
# $logs/report.<pid>: a child's stderr is often a pipe or a file of its test's, never seen here.
case "$kind" in
thread)
    # halt_on_error=0: every race is reported, not only the first. second_deadlock_stack=1:
    # both stacks of a lock-order inversion.
    export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:log_path=$logs/report${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
    ;;
address)
    # LeakSanitizer is off: it needs the compiler-rt runtime with lsan, which this toolchain's
    # Linux images may not have; set ASAN_OPTIONS=detect_leaks=1 to try it. Swift code is not
    # built with -fsanitize-recover, so the first report ends the process.
    export ASAN_OPTIONS="detect_leaks=0:log_path=$logs/report${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    ;;
esac

echo "::: sanitizers.sh $kind: $(git log --oneline -1 2>/dev/null || echo 'no git'), scratch $scratch, logs $logs"

started=$SECONDS
status=0
timeout --kill-after=30 "${SANITIZER_BUILD_TIMEOUT:-3600}" \
    env PODIUM_SANITIZE="$kind" swift build --build-tests --scratch-path "$scratch" 2>&1 | tee "$logs/build.log" || status=$?
build_seconds=$((SECONDS - started))
echo "::: build ($kind): exit $status after $build_seconds s"
if ((status != 0)); then
    [[ $status -eq 124 ]] && echo "::: build ($kind) timed out" >&2
    exit "$status"
fi

binary="$scratch/debug/PodiumPackageTests.xctest"
if [[ ! -x "$binary" ]]; then
    echo "::: no test binary at $binary" >&2
    exit 1
fi

started=$SECONDS
status=0
skip=()
selection="--filter '$filter'"
if [[ -n "${SANITIZER_SKIP:-}" ]]; then
    skip=(--skip "$SANITIZER_SKIP")
    selection+=" --skip '$SANITIZER_SKIP'"
fi
timeout --kill-after=30 "${SANITIZER_TEST_TIMEOUT:-3600}" \
    "$binary" --testing-library swift-testing --filter "$filter" "${skip[@]}" 2>&1 | tee "$logs/test.log" || status=$?
test_seconds=$((SECONDS - started))
echo "::: tests ($kind, $selection): exit $status after $test_seconds s"
[[ $status -eq 124 ]] && echo "::: tests ($kind) timed out" >&2

# Every report: from the files (log_path) and from the output, in case a process was run
# with its own options.
reports=0
shopt -s nullglob
for file in "$logs"/report.*; do
    echo "::: $name report file $file:"
    cat "$file"
done
shopt -u nullglob
reports=$(cat "$logs"/report.* "$logs/test.log" 2>/dev/null | grep -c "WARNING: $name:\|ERROR: $name:" || true)

# Per-test results ("Test name() passed after ...", a parameterized test counting once), not
# the run's or the suites' own lines.
passed=$(grep -E "Test .* passed after" "$logs/test.log" | grep -vc "Test run with" || true)
failed=$(grep -E "Test .* failed after" "$logs/test.log" | grep -vc "Test run with" || true)
summary=$(grep -E "Test run with [0-9]+ tests?" "$logs/test.log" | tail -1 || true)
echo "::: $name: $reports report(s); tests passed $passed, failed $failed; ${summary:-no Swift Testing summary}"
echo "::: timings: build $build_seconds s, tests $test_seconds s, total $((build_seconds + test_seconds)) s"

if ((reports > 0)) || grep -q "$name:" "$logs/test.log"; then
    echo "::: $name reported problems (see above, and $logs)" >&2
    exit 1
fi
if ((status != 0)); then
    exit "$status"
fi
if [[ -z "$summary" ]] || ! grep -qE "Test run with [0-9]+ tests?.* passed" <<<"$summary"; then
    echo "::: the test run did not say it passed" >&2
    exit 1
fi
if grep -qE "Test run with 0 tests" <<<"$summary"; then
    echo "::: $selection matched no test" >&2
    exit 1
fi
echo "::: sanitizers.sh $kind: clean"
