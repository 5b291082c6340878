# shellcheck shell=bash
# What redis-zset.sh and redis-persistence.sh share; both source this file (it is not run
# on its own): their messages and argument checks, installing the tools, and a private
# redis-server on 127.0.0.1 that never outlives the script.
#
# The script sets script_name (its file name without .sh) before sourcing. This file keeps
# the server's state in globals the script reads: tmp (the server's directory, removed at
# exit), port and server_pid.
: "${script_name:?set script_name before sourcing redis-common.sh}"

# --- messages and argument checks ------------------------------------------------------------
# Progress and errors go to stderr. Usage errors name the file, as typed, and exit 2;
# failures while running name the benchmark and exit 1.
say() { echo "$script_name: $*" >&2; }
die() { echo "$script_name: error: $*" >&2; exit 1; }
usage_error() { echo "$script_name.sh: $*" >&2; exit 2; }

# unknown_argument ARG: say so, then print the script's usage(), and exit 2.
unknown_argument() {
    echo "$script_name.sh: unknown argument '$1'" >&2
    usage >&2
    exit 2
}

# require_whole_numbers VALUE...: a usage error for the first VALUE that is not one.
require_whole_numbers() {
    local value
    for value in "$@"; do
        [[ "$value" =~ ^[0-9]+$ ]] || usage_error "'$value' is not a whole number"
    done
}

# --- tools -----------------------------------------------------------------------------------
# install_tools COMMAND...: redis-server and redis-tools with apt-get if any of the Redis
# COMMANDs is missing, and numpy with pip (for redis_zset_workload.py) if it is missing.
# Machines are handed over fresh, so the scripts install what they need themselves.
install_tools() {
    local tool missing=0 sudo=""
    for tool in "$@"; do
        command -v "$tool" >/dev/null || missing=1
    done
    if ((missing)); then
        say "installing redis-server and redis-tools with apt-get"
        ((EUID == 0)) || sudo="sudo"
        # Try without `apt-get update` first: a machine whose package lists are fresh enough
        # should not pay for it; an empty or stale list makes the first try fail.
        if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools >/dev/null; then
            $sudo apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools >/dev/null
        fi
    fi
    if ! python3 -c 'import numpy' 2>/dev/null; then
        say "installing numpy with pip"
        python3 -m pip install --quiet numpy
    fi
}

# --- a private server ------------------------------------------------------------------------
# make_private_dir PARENT: create tmp in PARENT, and make every exit (a failure, Ctrl-C or
# kill included) stop the server and remove tmp.
# install_wrk: wrk from apt-get, if missing.
install_wrk() { install_package wrk wrk; }

# install_package COMMAND PACKAGE: PACKAGE from apt-get, unless COMMAND is there.
install_package() {
    command -v "$1" >/dev/null && return 0
    say "installing $2 with apt-get"
    local sudo=""
    ((EUID == 0)) || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null \
        || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null; }
}

make_private_dir() {
    tmp="$(mktemp -d "$1/$script_name.XXXXXX")"
    server_pid=""
    trap cleanup EXIT
    # The EXIT trap runs on `exit`: turn these signals into one, with the usual status.
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

cleanup() {
    stop_server
    rm -rf "$tmp"
}

stop_server() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        # SIGTERM: with `save ''`, as both scripts start it, Redis exits without writing a
        # snapshot (and with appendonly it only flushes the AOF it has).
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# launch_server ARG...: redis-server in the background on 127.0.0.1:$port with the
# caller's ARGs, its files and log in tmp. Not daemonized, so server_pid is the server.
launch_server() {
    redis-server --bind 127.0.0.1 --port "$port" --dir "$tmp" --logfile "$tmp/redis.log" --daemonize no "$@" &
    server_pid=$!
}

# start_server ARG...: launch_server on a free port and wait for PING. The port is free
# when picked but could be taken before redis binds it: try again then.
start_server() {
    local attempt
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        launch_server "$@"
        for _ in $(seq 100); do
            if redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null | grep -q PONG; then return 0; fi
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        stop_server
        say "redis-server did not start on port $port (attempt $attempt):"
        tail -n 5 "$tmp/redis.log" >&2 || true
    done
    die "could not start redis-server"
}

cli() { redis-cli -h 127.0.0.1 -p "$port" "$@"; }

# One field of INFO (its lines end in CR LF).
info_field() { cli INFO "$1" | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }
