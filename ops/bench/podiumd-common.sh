# Named podiumd servers for the benchmark scripts (sourced after redis-common.sh): each
# NAME has its data dir, URL and pid in the arrays below; the caller sets `bin` (where
# podiumd is), `key` (the admin key), `tmp` and `pids` (what its cleanup stops, with
# stop_pids), and for seeding and wrk `here`, `members`, `seconds` and `connections`.
# shellcheck shell=bash disable=SC2154  # bin, key, tmp, ...: set by the script that sources this
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

# seed_board NAME: board bench on podiumd NAME, `update: set`, with N members.
seed_board() {
    api "$1" PUT /v1/boards/bench '{"order":"desc","update":"set","tie_break":"earliest"}' >/dev/null
    say "podiumd $1: seeding $members members"
    python3 "$here/http_seed.py" podium --url "${url[$1]}" --cacert "${dir[$1]}/tls/ca.pem" --key "$key" --members "$members"
    [[ "$(board_size "$1")" == "$members" ]] || die "podiumd $1: board bench holds $(board_size "$1") members after seeding, expected $members"
}

clock_ticks="$(getconf CLK_TCK)"
nginx_pid="${nginx_pid:-}"
# cpu_ticks PID: the process's user + system CPU time so far, in clock ticks (nginx's
# master's with its workers', when PID is `nginx_pid`).
cpu_ticks() {
    local pids=("$1") p total=0
    [[ "$1" == "$nginx_pid" ]] && mapfile -t -O 1 pids < <(pgrep -P "$1")
    for p in "${pids[@]}"; do total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done
    echo "$total"
}
# cpu_per_request PID TICKS_BEFORE REQUESTS: microseconds of the process's CPU a request.
cpu_per_request() {
    awk -v t="$(($(cpu_ticks "$1") - $2))" -v hz="$clock_ticks" -v n="$3" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'
}

# run_wrk CASE URL PID [LUA_CASE]: wrk's LUA_CASE (default CASE) of http_wrk.lua against
# URL; prints req/s, p50, p99 and the CPU per request of the server PID. Dies on any
# non-2xx answer or socket error: the numbers would not measure what they claim to.
# wrk -t2: as fast as -t1 here, and the client's TLS work is spread over both cores.
run_wrk() {
    local case="$1" target="$2" measured_pid="$3" lua_case="${4:-$1}" ticks
    ticks="$(cpu_ticks "$measured_pid")"
    wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/http_wrk.lua" "$target" \
        -- "$lua_case" "$members" "$key" >"$tmp/wrk.out" 2>&1 || { cat "$tmp/wrk.out" >&2; die "$case: wrk failed"; }
    local rps p50 p99 non2xx socket_errors
    read -r rps p50 p99 non2xx socket_errors < <(sed -n 's/^RESULT //p' "$tmp/wrk.out") \
        || { cat "$tmp/wrk.out" >&2; die "$case: no RESULT line from wrk"; }
    ((non2xx == 0 && socket_errors == 0)) \
        || { cat "$tmp/wrk.out" >&2; die "$case: $non2xx non-2xx responses, $socket_errors socket errors"; }
    echo "$rps $p50 $p99 $(cpu_per_request "$measured_pid" "$ticks" "$(awk -v r="$rps" -v s="$seconds" 'BEGIN { print r * s }')")"
}
