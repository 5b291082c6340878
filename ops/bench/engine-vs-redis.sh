#!/usr/bin/env bash
# The engine benchmark and the same workload on redis-server, one after the other in one
# run, joined into one Markdown table for BENCHMARKS.md.
#
#   ops/bench/engine-vs-redis.sh [--members N] [--ops K] [--seed S] [--bin DIR]
#
# --bin DIR: the podium-bench to run (default: built here, `swift build -c release`).
# Podium's times are in-process calls (HdrHistogram percentiles and mean); Redis's are
# its own server-side time per call (INFO commandstats), so neither includes a network
# or a protocol. The ratio column is Podium's mean over Redis's mean. Memory: Podium's
# resident growth over the build, and its arrays as the engine counts them (elements used,
# capacities reserved), each against Redis's used_memory growth. Below the table, the
# machine's time per dependent load in and out of its caches (podium-bench memory-latency),
# the unit an operation's cache misses at 1M members are counted in.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

args=()
bin=""
while (($#)); do
    case "$1" in
        --bin) bin="${2:?--bin needs a value}"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
out="$(mktemp -d "${TMPDIR:-/tmp}/engine-vs-redis.XXXXXX")"
trap 'rm -rf "$out"' EXIT

if [[ -z "$bin" ]]; then
    swift build -c release --product podium-bench >&2
    bin=.build/release
fi
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(free -g | awk '/Mem:/ { print $2 }') GiB" >&2
"$bin/podium-bench" engine "${args[@]}" --json >"$out/podium.jsonl"
ops/bench/redis-zset.sh "${args[@]}" --json >"$out/redis.jsonl"
"$bin/podium-bench" memory-latency --mebibytes 1,8,64 --json >"$out/latency.jsonl"

python3 - "$out/podium.jsonl" "$out/redis.jsonl" "$out/latency.jsonl" <<'PY'
import json, sys

def rows(path):
    return {row["op"]: row for row in map(json.loads, open(path))}

podium, redis = rows(sys.argv[1]), rows(sys.argv[2])
members = podium["memory"]["members"]
print(f"{members:,} members\n")
print("| op | Podium p50 ns | p90 ns | p99 ns | mean ns | Redis mean ns | Podium / Redis |")
print("|---|---:|---:|---:|---:|---:|---:|")
for op, row in podium.items():
    if op == "memory":
        continue
    if op not in redis:  # an op without a Redis phase
        print(f"| {op} | {row['p50_ns']} | {row['p90_ns']} | {row['p99_ns']} | {row['mean_ns']:.0f} | | |")
        continue
    theirs = redis[op]["mean_ns"]
    print(f"| {op} | {row['p50_ns']} | {row['p90_ns']} | {row['p99_ns']} | {row['mean_ns']:.0f} | {theirs:.0f} | {row['mean_ns'] / theirs:.2f} |")
ours, theirs = podium["memory"]["bytes_per_member"], redis["memory"]["bytes_per_member"]
print(f"| memory, bytes per member (resident growth) | | | | {ours} | {theirs} | {ours / theirs:.2f} |")
for kind in ("used", "reserved"):
    counted = podium["memory"].get(f"engine_{kind}_bytes_per_member")
    if counted is not None:
        print(f"| memory, the engine's arrays {kind} | | | | {counted} | {theirs} | {counted / theirs:.2f} |")
loads = [json.loads(line) for line in open(sys.argv[3])]
print("\nns per dependent load: " + ", ".join(f"{row['mebibytes']} MiB {row['ns_per_load']}" for row in loads))
PY
