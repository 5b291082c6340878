#!/usr/bin/env bash
# Runs schemathesis against a live podiumd over TLS, from Schemas/openapi.yaml: fails on
# any 5xx, on any response that breaks the schema, and on requests the schema allows but
# the server refuses (or the reverse). Deterministic (fixed seed), about a minute.
#
#   ops/ci/schemathesis.sh [PODIUMD_BINARY]     (default .build/debug/podiumd)
#
# With STORE=redis, podiumd keeps its data in a redis-server started here (--store
# redis://...): the same API, the same checks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
binary="${1:-.build/debug/podiumd}"

PIP_ROOT_USER_ACTION=ignore timeout 300 python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5'

data="$(mktemp -d "${TMPDIR:-/tmp}/podium-schemathesis.XXXXXX")"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
key="pdk_schemathesis-$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')"
# No limit on failed authentications: schemathesis sends many requests without a token
# on purpose, and a 429 on everything after them would hide what it tests. The limit is
# tested in AuthMatrixTests.
store=(--store embedded)
redis=""
if [[ "${STORE:-embedded}" == redis ]]; then
    redis_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$data" --logfile "$data/redis.log" &
    redis=$!
    store=(--store "redis://127.0.0.1:$redis_port")
    for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
PODIUM_ADMIN_KEY="$key" "$binary" --data-dir "$data" --listen "127.0.0.1:$port" --auth-failures-per-minute 0 "${store[@]}" >"$data.log" 2>&1 &
server=$!
trap 'kill "$server" $redis 2>/dev/null || true; wait "$server" $redis 2>/dev/null || true; rm -rf "$data" "$data.log"' EXIT

for _ in $(seq 100); do
    curl -sf --cacert "$data/tls/ca.pem" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
# A board for the operations under /v1/boards/{board} to find.
curl -sf --cacert "$data/tls/ca.pem" -X PUT -H "Authorization: Bearer $key" -d '{}' "https://127.0.0.1:$port/v1/boards/0" >/dev/null

# The event stream is left out: a stream that works never ends (ops/ci/events.sh checks it).
schemathesis --config-file ops/ci/schemathesis.toml run Schemas/openapi.yaml --url "https://127.0.0.1:$port" --request-timeout 30 \
    -H "Authorization: Bearer $key" --tls-verify "$data/tls/ca.pem" --exclude-path-regex '/events$' \
    --max-examples 30 --seed 1 --generation-deterministic

# The routes of a player's own session and /v1/whoami, with a player's token (no links among them, so
# no stateful phase: that one follows submit -> read/around/remove of the same member, with
# the non-ASCII member examples of the schema, in the run above).
token="$(curl -sf --cacert "$data/tls/ca.pem" -X POST -H "Authorization: Bearer $key" \
    -d '{"player": "schemathesis", "ttl_seconds": 3600}' "https://127.0.0.1:$port/v1/sessions" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
schemathesis --config-file ops/ci/schemathesis.toml run Schemas/openapi.yaml --url "https://127.0.0.1:$port" --request-timeout 30 \
    -H "Authorization: Bearer $token" --tls-verify "$data/tls/ca.pem" --include-path-regex '^/v1/(sessions/me|whoami)' \
    --phases examples,coverage,fuzzing --max-examples 30 --seed 1 --generation-deterministic
