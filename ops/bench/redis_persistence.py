#!/usr/bin/env python3
"""Client-side timings for ops/bench/redis-persistence.sh (standard library only).

A tiny RESP client on a raw socket: redis-cli would add a process start to every
timed command, and redis-py is one more thing to install for three commands.

Usage:
  redis_persistence.py time --port P COMMAND [ARG...]
      connect, then time one command's round trip; print "MS REPLY" on stdout
      (exit 1 with the reply on stderr if Redis answers with an error)
  redis_persistence.py stall --port P --members N --seed S [--lead SEC] [--tail SEC]
      a writer process sends ZADDs one at a time (random members of the N-member
      board, random scores) while this process triggers a BGSAVE and waits for it to
      finish; print one JSON object with the fork time and the write latencies
  redis_persistence.py wait-loaded --port P --key KEY --since NS [--timeout SEC]
      poll a starting server until it has loaded its data (INFO persistence loading:0
      and KEY exists); print the seconds since NS (time.time_ns() clock)
"""

import argparse
import gc
import json
import multiprocessing
import socket
import sys
import time
from array import array

HOST = "127.0.0.1"  # never anything else


class RespError(Exception):
    pass


class Connection:
    def __init__(self, port, timeout=120.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        # One small command at a time: Nagle would hold it back waiting for an ACK.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self):
        self.sock.close()

    @staticmethod
    def encode(*args):
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            if not isinstance(arg, bytes):
                arg = str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        return b"".join(parts)

    def _line(self):
        while True:
            end = self.buffer.find(b"\r\n")
            if end >= 0:
                line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
                return line
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis-server closed the connection")
            self.buffer += chunk

    def _exact(self, count):
        while len(self.buffer) < count + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis-server closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count + 2:]
        return data

    def reply(self):
        """One RESP2 reply: str for status, int, bytes or None for bulk, list for arrays."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            return None if length < 0 else self._exact(length)
        if kind == b"*":
            length = int(rest)
            return None if length < 0 else [self.reply() for _ in range(length)]
        raise ConnectionError("unexpected reply %r" % line)

    def call(self, *args):
        self.sock.sendall(self.encode(*args))
        return self.reply()

    def info(self, section):
        text = self.call("INFO", section).decode()
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line and not line.startswith("#"))


# SplitMix64, as podium-bench's writer (seeded with seed + 1 there too).
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def writer(port, members, seed, key, stop, ready, results):
    """Send ZADD key score member one at a time until `stop`; send back when each
    started and how long it took (monotonic ns)."""
    gc.disable()  # a collection inside a timed call would look like a server stall
    conn = Connection(port)
    random = SplitMix64(seed + 1)
    starts, latencies = array("q"), array("q")
    sock, clock = conn.sock, time.monotonic_ns
    # Build the command bytes before starting the clock: only the round trip is timed.
    head = b"*4\r\n$4\r\nZADD\r\n" + conn.encode(key)[4:]
    ready.set()
    count = 0
    while True:
        if count % 64 == 0 and stop.is_set():
            break
        member = b"m%013d" % (random.next() % members)
        score = repr((random.next() >> 11) / float(1 << 53) * 1e6).encode()
        command = head + b"$%d\r\n%s\r\n$14\r\n%s\r\n" % (len(score), score, member)
        start = clock()
        sock.sendall(command)
        reply = conn.reply()
        end = clock()
        if not isinstance(reply, int):
            raise RespError("ZADD answered %r" % (reply,))
        starts.append(start)
        latencies.append(end - start)
        count += 1
    conn.close()
    results.send((starts.tobytes(), latencies.tobytes()))


def percentile(sorted_values, fraction):
    if not sorted_values:
        return 0
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def stall(args):
    # A separate process, not a thread: the GIL would hand the writer's timed calls
    # this process's polling, and a thread switch can take 5 ms (sys.getswitchinterval).
    context = multiprocessing.get_context("fork")
    stop, ready = context.Event(), context.Event()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=writer, args=(args.port, args.members, args.seed, args.key, stop, ready, send))
    process.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the writer did not start")
        conn = Connection(args.port)
        if conn.info("persistence")["rdb_bgsave_in_progress"] != "0":
            raise RuntimeError("a BGSAVE is already running")
        time.sleep(args.lead)  # writes before the BGSAVE: the baseline
        bgsave_sent = time.monotonic_ns()
        answer = conn.call("BGSAVE")
        if "started" not in answer:
            raise RuntimeError("BGSAVE answered %r" % answer)
        # Poll sparsely: this process shares two cores with the server, its child
        # and the writer.
        while True:
            persistence = conn.info("persistence")
            if persistence["rdb_bgsave_in_progress"] == "0":
                break
            time.sleep(0.02)
        bgsave_done = time.monotonic_ns()
        if persistence["rdb_last_bgsave_status"] != "ok":
            raise RuntimeError("BGSAVE failed (rdb_last_bgsave_status %s)" % persistence["rdb_last_bgsave_status"])
        time.sleep(args.tail)  # the parent reaps the child in its cron, after the save
        stop.set()
        if not receive.poll(60):
            raise RuntimeError("the writer did not report")
        starts_raw, latencies_raw = receive.recv()
        process.join(30)
        if process.exitcode != 0:
            raise RuntimeError("the writer failed (exit code %s)" % process.exitcode)
        fork_usec = int(conn.info("stats")["latest_fork_usec"])
        conn.close()
    finally:
        stop.set()
        if process.is_alive():
            process.terminate()
            process.join(5)

    starts, latencies = array("q"), array("q")
    starts.frombytes(starts_raw)
    latencies.frombytes(latencies_raw)
    tail_end = bgsave_done + int(args.tail * 1e9)
    # A write overlaps the snapshot when it ends after the BGSAVE was sent and starts
    # before the save was seen done (+ tail, for the reaping of the child): that
    # includes a ZADD that was queued behind the fork.
    during = sorted(lat for s, lat in zip(starts, latencies) if s + lat >= bgsave_sent and s <= tail_end)
    before = sorted(lat for s, lat in zip(starts, latencies) if s + lat < bgsave_sent)
    if not during:
        raise RuntimeError("no write overlapped the BGSAVE")
    print(json.dumps({
        "fork_us": fork_usec,
        "max_write_latency_ms": round(during[-1] / 1e6, 3),
        "p99_write_latency_us": round(percentile(during, 0.99) / 1e3, 1),
        "writes_during": len(during),
        "max_write_latency_before_ms": round(before[-1] / 1e6, 3) if before else None,
        "p99_write_latency_before_us": round(percentile(before, 0.99) / 1e3, 1),
        "writes_before": len(before),
        "bgsave_ms": round((bgsave_done - bgsave_sent) / 1e6, 1),
    }))


def time_command(args):
    conn = Connection(args.port, timeout=600)
    encoded = conn.encode(*args.command)
    start = time.monotonic_ns()
    conn.sock.sendall(encoded)
    try:
        reply = conn.reply()
    except RespError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
    elapsed = time.monotonic_ns() - start
    conn.close()
    if isinstance(reply, bytes):
        reply = reply.decode(errors="replace")
    print("%.3f %s" % (elapsed / 1e6, reply))


def wait_loaded(args):
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            conn = Connection(args.port, timeout=5)
            try:
                if conn.info("persistence").get("loading") == "0" and conn.call("EXISTS", args.key) == 1:
                    print("%.6f" % ((time.time_ns() - args.since) / 1e9))
                    return
            finally:
                conn.close()
        except (OSError, RespError):  # not listening yet, or -LOADING
            pass
        time.sleep(0.002)
    print("the server did not load %s within %s s" % (args.key, args.timeout), file=sys.stderr)
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("time")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("command", nargs="+")
    p = sub.add_parser("stall")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--members", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--key", default="board")
    p.add_argument("--lead", type=float, default=0.5, help="seconds of writes before the BGSAVE")
    p.add_argument("--tail", type=float, default=0.5, help="seconds of writes after it")
    p = sub.add_parser("wait-loaded")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", default="board")
    p.add_argument("--since", type=int, required=True)
    p.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    {"time": time_command, "stall": stall, "wait-loaded": wait_loaded}[args.action](args)


if __name__ == "__main__":
    main()
