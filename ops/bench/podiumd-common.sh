# Named podiumd servers for the benchmark scripts (sourced after redis-common.sh): each
# NAME has its data dir, URL and pid in the arrays below; the caller sets `bin` (where
# podiumd is), `key` (the admin key), `tmp` and `pids` (what its cleanup stops, with
# stop_pids).
# shellcheck shell=bash disable=SC2154  # bin, key, tmp: set by the script that sources this
declare -A url=() dir=() pid=()

# start_podiumd NAME ARG...: podiumd NAME on a free port with its own data dir in tmp and
# the admin key, its output in tmp/NAME.log; waits until it has made its CA and /readyz
# answers 200.
start_podiumd() {
    local name="$1" https_port
    shift
    https_port="$(free_port)"
    dir[$name]="$tmp/$name"
    url[$name]="https://127.0.0.1:$https_port"
    # (env execs podiumd: $! is podiumd itself, whose CPU time the cases read.)
    env PODIUM_ADMIN_KEY="$key" "$bin/podiumd" --data-dir "${dir[$name]}" --listen "127.0.0.1:$https_port" "$@" \
        >"$tmp/$name.log" 2>&1 &
    pids+=($!)
    pid[$name]=$!
    wait_https_ready "podiumd $name" "${dir[$name]}" "${url[$name]}" "${pid[$name]}" "$tmp/$name.log"
    say "podiumd $name ($*) on ${url[$name]}"
}

# wait_https_ready LABEL DATA_DIR URL PID LOG: waits until the server PID has made its CA
# in DATA_DIR/tls and URL/readyz answers 200; dies with the end of LOG if it does not.
wait_https_ready() {
    local label="$1" data_dir="$2" base_url="$3" server_pid="$4" log="$5"
    for _ in $(seq 300); do
        if [[ -f "$data_dir/tls/ca.pem" && "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
            --cacert "$data_dir/tls/ca.pem" "$base_url/readyz")" == 200 ]]; then
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$log" >&2
    die "$label did not become ready on $base_url"
}

# api NAME METHOD PATH [BODY]: a call to podiumd NAME with the key; prints the body, dies
# unless 2xx.
api() {
    local name="$1" response data=()
    shift
    (($# < 3)) || data=(--data "$3")
    response="$(curl -sS --max-time 30 --cacert "${dir[$name]}/tls/ca.pem" -X "$1" -w '\n%{http_code}' \
        -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "${data[@]}" "${url[$name]}$2")"
    [[ "${response##*$'\n'}" == 2* ]] || die "podiumd $name: $1 $2: HTTP ${response##*$'\n'}: ${response%$'\n'*}"
    echo "${response%$'\n'*}"
}
board_size() { api "$1" GET /v1/boards/bench | python3 -c 'import json, sys; print(json.load(sys.stdin)["size"])'; }

# stop_pids: stops every process in `pids` (the servers and clients a script started):
# SIGTERM to all, then each gets 30 s to finish in-flight requests and flush its log
# before SIGKILL.
stop_pids() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
