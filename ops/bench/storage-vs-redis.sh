#!/usr/bin/env bash
# Podium's persistence benchmark and the same measurements on redis-server, one after
# the other in one run, joined into one Markdown table for BENCHMARKS.md.
#
#   ops/bench/storage-vs-redis.sh [--members N] [--seed S] [--seconds T]
#
# Podium runs in process (podium-bench storage); Redis is measured by
# ops/bench/redis-persistence.sh: RDB size and SAVE time, BGSAVE fork time and the
# longest ZADD round trip around it, RDB load time, and redis-benchmark ZADD throughput
# with appendonly yes under each appendfsync. Redis's throughput goes through its network
# loop and Podium's does not, so compare each side's always/no ratio, not raw rates.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

args=("$@")
out="$(mktemp -d "${TMPDIR:-/tmp}/storage-vs-redis.XXXXXX")"
trap 'rm -rf "$out"' EXIT

swift build -c release --product podium-bench >&2
.build/release/podium-bench storage "${args[@]}" --json >"$out/podium.jsonl"
ops/bench/redis-persistence.sh "${args[@]}" --json >"$out/redis.jsonl"

python3 - "$out/podium.jsonl" "$out/redis.jsonl" <<'PY'
import json, sys

podium = [json.loads(line) for line in open(sys.argv[1])]
redis = [json.loads(line) for line in open(sys.argv[2])]
def one(rows, op):
    return next(row for row in rows if row["op"] == op)

members = one(podium, "snapshot")["members"]
ours, theirs = one(podium, "snapshot"), one(redis, "snapshot")
print(f"{members:,} members\n")
print("| measure | Podium | Redis |")
print("|---|---:|---:|")
print(f"| snapshot, bytes per member | {ours['bytes_per_member']} | {theirs['bytes_per_member']} |")
print(f"| snapshot, time | {ours['ms']:.0f} ms | {theirs['ms']:.0f} ms (SAVE) |")
stall, fork = one(podium, "snapshot_stall"), one(redis, "fork_stall")
print(f"| longest write during a snapshot | {stall['max_write_latency_ms']} ms | {fork['max_write_latency_ms']} ms (fork {fork['fork_us'] / 1000:.1f} ms) |")
print(f"| load the snapshot | {one(podium, 'snapshot_load')['seconds']} s | {one(redis, 'load')['seconds']} s |")
recovery = one(podium, "recovery")
print(f"| recovery with a log tail | {recovery['seconds']} s ({recovery['log_records']:,} records) | |")
for writers in (1, 8, 64):
    rate = {side: {row["fsync"]: row["ops_per_s"] for row in rows if row["op"] == "aof_append" and row["writers"] == writers}
            for side, rows in (("podium", podium), ("redis", redis))}
    for policy in ("always", "everysec", "no"):
        print(f"| appends/s, fsync {policy}, {writers} writers | {rate['podium'][policy]:,} | {rate['redis'][policy]:,} |")
    print(f"| always / no, {writers} writers | {rate['podium']['always'] / rate['podium']['no']:.2f} | {rate['redis']['always'] / rate['redis']['no']:.2f} |")
PY
