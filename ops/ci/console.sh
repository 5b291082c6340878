#!/usr/bin/env bash
# The web console in headless Chromium (Debian's chromium + chromium-driver, Selenium from
# PyPI, nothing fetched from the network by the browser) against a live podiumd over TLS:
# ops/ci/console_test.py signs in, watches a board's live top table take new scores within
# 1 s of the submit, searches a non-ASCII member, tabs through a board, opens the admin
# page, saves a screenshot of each page at 1280 and 360 px (the CI artifacts) into
# SHOTS_DIR, then signs in as a server key and a player session (no console error, no
# Admin link) and ends a session under the page. Bounded at a few minutes.
#
#   ops/ci/console.sh [PODIUMD_BINARY] [SHOTS_DIR]   (defaults .build/debug/podiumd, a temp dir)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
binary="${1:-.build/debug/podiumd}"
shots="${2:-$(mktemp -d "${TMPDIR:-/tmp}/podium-console-shots.XXXXXX")}"

# The fonts make the screenshots show emoji and CJK member ids instead of boxes.
if ! command -v chromium >/dev/null || [[ ! -x /usr/bin/chromedriver || ! -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]]; then
    sudo=""
    ((EUID == 0)) || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 $sudo apt-get install -y -qq chromium chromium-driver fonts-noto-color-emoji fonts-droid-fallback >/dev/null \
        || { timeout 300 $sudo apt-get update -qq && timeout 600 $sudo apt-get install -y -qq chromium chromium-driver fonts-noto-color-emoji fonts-droid-fallback >/dev/null; }
fi
PIP_ROOT_USER_ACTION=ignore timeout 300 python3 -m pip install --quiet --disable-pip-version-check 'selenium>=4.10'
export SE_AVOID_STATS=true

data="$(mktemp -d "${TMPDIR:-/tmp}/podium-console.XXXXXX")"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
key="pdk_console-$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')"
PODIUM_ADMIN_KEY="$key" "$binary" --data-dir "$data" --listen "127.0.0.1:$port" >"$data.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data" "$data.log"' EXIT

for _ in $(seq 150); do
    curl -sf --max-time 2 --cacert "$data/tls/ca.pem" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done

status=0
timeout --kill-after=5 240 python3 ops/ci/console_test.py --url "https://127.0.0.1:$port" --cacert "$data/tls/ca.pem" \
    --key "$key" --shots "$shots" || status=$?
echo "console.sh: screenshots in $shots"
if [[ $status -ne 0 ]]; then
    [[ $status -eq 124 ]] && echo "console.sh: console_test.py timed out" >&2
    echo "console.sh: FAILED (exit $status); podiumd's log (last 50 lines):" >&2
    tail -n 50 "$data.log" >&2 || true
    exit 1
fi
