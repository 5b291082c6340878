#!/usr/bin/env bash
# Checks GET /v1/boards/{board}/events against a live podiumd over TLS: every message of
# an unfiltered SSE stream, a members= SSE stream (non-ASCII ids) and a WebSocket
# (access_token) is validated against Schemas/events.schema.json, the seqs are gapless
# and identical on SSE and WebSocket, the members= stream gets its overtaken notices and
# only its members' changes, and Last-Event-ID / since= resume (lagged included). See
# ops/ci/events_check.py. Deterministic, a few seconds; bounded at about a minute.
#
#   ops/ci/events.sh [PODIUMD_BINARY]     (default .build/debug/podiumd)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
binary="${1:-.build/debug/podiumd}"

# Bounded too, so a stuck index can't hang CI.
PIP_ROOT_USER_ACTION=ignore timeout 300 python3 -m pip install --quiet --disable-pip-version-check \
    'jsonschema>=4.18' 'websockets>=12' 'httpx'

data="$(mktemp -d "${TMPDIR:-/tmp}/podium-events.XXXXXX")"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
key="pdk_events-$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')"
# --event-history 8: small enough that a since= resume from before it gets a `lagged`
# notice (the check's last step), large enough for the Last-Event-ID step's 5 events.
PODIUM_ADMIN_KEY="$key" "$binary" --data-dir "$data" --listen "127.0.0.1:$port" \
    --fsync always --event-history 8 >"$data.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data" "$data.log"' EXIT

ready=
for _ in $(seq 150); do
    if curl -sf --max-time 2 --cacert "$data/tls/ca.pem" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
        ready=1
        break
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$ready" ]]; then
    echo "events.sh: podiumd did not become ready on 127.0.0.1:$port; its log:" >&2
    cat "$data.log" >&2 || true
    exit 1
fi

status=0
timeout --kill-after=5 75 python3 ops/ci/events_check.py --url "https://127.0.0.1:$port" --key "$key" \
    --ca "$data/tls/ca.pem" --schema Schemas/events.schema.json || status=$?
if [[ $status -ne 0 ]]; then
    [[ $status -eq 124 ]] && echo "events.sh: events_check.py timed out" >&2
    echo "events.sh: FAILED (exit $status); podiumd's log (last 50 lines):" >&2
    tail -n 50 "$data.log" >&2 || true
    exit 1
fi
