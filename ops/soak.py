#!/usr/bin/env python3
"""A soak of a real podiumd: mixed load, SIGKILL at random moments, restart, verify.

Run by ops/soak.sh, which passes:

    soak.py --minutes M --podiumd BINARY --work DIR [--seed S] [--workers N]

podiumd runs under `--fsync always` on DIR/data, one log per incarnation in
DIR/logs/podiumd-N.log. While it runs:

- worker threads (each owning its members, so its writes to a member are sequential)
  submit scores (one, batches, one score to several boards, removals, refused out-of-bound
  scores), open sessions, replace their data, refresh, revoke and log out, submit as a
  player, and read (a member, top, around, members:lookup, sessions/me), each read
  checked against the model;
- an admin thread creates, uses and revokes keys, creates boards, submits to them, resets
  and drops them, re-PUTs the main boards (idempotent, and a conflicting config refused),
  and takes snapshots and compactions;
- one SSE subscriber per main board checks that seqs run on by one, that each event's
  score is one a write produced, and that its previous_score is the member's last score.

The model holds only what was acknowledged (a 2xx answer); a write whose answer never came
because podiumd was killed is "in doubt": after the restart either outcome is fine, nothing
else. Every 20-60 s (8-20 s for runs of 3 minutes or less) podiumd is SIGKILLed mid-load
(sometimes just after a snapshot was asked for), restarted on the same data directory and
verified, with the load stopped: every board's config, size and every member's score and
metadata, every session (alive ones authenticate with their data, revoked ones get 401),
every key (listed and working, or gone and refused), the created boards, their seasons;
and per board its seq: never below the last seq a subscriber saw (no reuse), the stream
resumed with since=LAST going on without a gap (a `lagged` notice only for exactly the
events committed but never delivered before the kill, which the in-memory history no
longer holds). At the end: a verification at rest (the event streams must have reached
every board's seq and their replayed state must equal the boards), a graceful restart
verified the same way, and `podium check` on the data directory when the CLI is next to
the binary.

The last line is `N passed, N failed (...)`; exit 0 iff nothing failed.
"""

import argparse
import collections
import http.client
import json
import os
import random
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from datetime import datetime

HTTP_TIMEOUT = 30.0
READY_TIMEOUT = 120.0
PARK_TIMEOUT = 60.0
# Events kept per board (--event-history): far above what a board gets between two kills
# at full speed on a debug build (~1,000/s), so a subscriber that falls behind resumes from
# it. A restarted podiumd starts with an empty history: events committed but not streamed
# before a kill come as one `lagged` notice, which the verification expects exactly.
EVENT_HISTORY = 100000
PRODUCED_KEPT = 512  # scores an event may carry, per member and board: the latest writes'

KEEP = object()  # "leave the metadata as it is"

AWKWARD = ["José", "a b/c", "🎮 player 🏆", "שלום", "e\u0301", "李小龍", "Zoë 🚀", "100% +1?", "Ωmega/🛡 #x", "naïve&co=1"]

MAIN_BOARDS = {
    "soak-best": {"order": "desc", "update": "best", "tie_break": "earliest", "player_submit": True},
    "soak-asc": {"order": "asc", "update": "best", "tie_break": "member", "min_score": -1000000.0, "max_score": 1000000.0},
    "soak-set": {"order": "desc", "update": "set", "tie_break": "member"},
    "soak-incr": {"order": "desc", "update": "incr", "tie_break": "earliest"},
}
DYN_CONFIGS = [
    {},
    {"order": "asc", "update": "set", "tie_break": "member"},
    {"update": "incr", "min_score": 0.0, "max_score": 1e12},
    {"max_size": 50, "player_submit": True},
    {"reset": {"every": "monthly", "at": "12:00", "timezone": "Europe/Paris", "keep": 3}},
]
DYN_MEMBER = "dyn ü/1"


def q(text):
    return urllib.parse.quote(text, safe="")


def canon(value):
    """JSON as a comparable string (None stays None)."""
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def show(state):
    if state is None:
        return "absent"
    score, meta = state
    return f"{score:g}" + (f" {meta}" if meta is not None else "")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Unanswered(Exception):
    """No HTTP answer: the connection failed, closed or timed out."""


# --- the model ----------------------------------------------------------------------


class Cell:
    """One member on one main board: its acknowledged state and what in-doubt writes may
    have left instead. A state is (score, metadata as canonical JSON or None), or None for
    absent."""

    __slots__ = ("board", "member", "confirmed", "doubt", "unknown", "produced", "recent")

    def __init__(self, board, member):
        self.board, self.member = board, member
        self.confirmed = None
        self.doubt = []
        self.unknown = False  # quarantined after an unexpected error, until the next verification
        self.produced = {}  # score -> count among `recent`: the scores writes sent lately could produce
        self.recent = collections.deque()

    def may_produce(self, score):
        self.produced[score] = self.produced.get(score, 0) + 1
        self.recent.append(score)
        if len(self.recent) > PRODUCED_KEPT:
            old = self.recent.popleft()
            self.produced[old] -= 1
            if not self.produced[old]:
                del self.produced[old]

    @property
    def clean(self):
        return not self.unknown and not self.doubt


def apply(cfg, state, score, update=None, meta=KEEP):
    """The state a submit leaves, under the board's rules (README: best keeps the better
    score by the board's order, set replaces, incr adds)."""
    policy = update or cfg.get("update") or "best"
    old = state[0] if state else None
    old_meta = state[1] if state else None
    if old is None or policy == "set":
        new = score
    elif policy == "incr":
        new = old + score
    elif (cfg.get("order") or "desc") == "desc":
        new = max(old, score)
    else:
        new = min(old, score)
    return (float(new), old_meta if meta is KEEP else meta)


class Session:
    __slots__ = ("token", "sid", "player", "alive", "data", "expires", "doubt", "unknown")

    def __init__(self, token, sid, player, data, expires):
        self.token, self.sid, self.player = token, sid, player
        self.alive, self.data, self.expires = True, data, expires
        self.doubt = []  # alternative (alive, data) states
        self.unknown = False

    @property
    def clean(self):
        return not self.unknown and not self.doubt


class Key:
    __slots__ = ("name", "secret", "role", "alive", "doubt", "unknown")

    def __init__(self, name, secret, role):
        self.name, self.secret, self.role = name, secret, role
        self.alive, self.doubt, self.unknown = True, [], False


class DynBoard:
    """A board the admin thread creates: state (exists, member state, seasons)."""

    __slots__ = ("name", "cfg", "confirmed", "doubt", "unknown", "ops")

    def __init__(self, name, cfg):
        self.name, self.cfg = name, cfg
        self.confirmed = (False, None, 0)
        self.doubt = []
        self.unknown = False
        self.ops = 0

    @property
    def clean(self):
        return not self.unknown and not self.doubt


# --- HTTP ---------------------------------------------------------------------------


class Incarnation:
    def __init__(self, n, port, proc, log_path, ctx):
        self.n, self.port, self.proc, self.log_path, self.ctx = n, port, proc, log_path, ctx
        self.started = time.monotonic()
        self.dead = False  # set before it is signalled

    @property
    def down(self):
        return self.dead or self.proc.poll() is not None


class Client:
    """One keep-alive HTTPS connection to the current podiumd."""

    def __init__(self, soak, timeout=HTTP_TIMEOUT):
        self.soak, self.timeout = soak, timeout
        self.conn, self.inc = None, None
        self.rng = random.Random()

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
        self.conn = None

    def call(self, method, path, body=None, token=None, inc=None):
        inc = inc or self.soak.inc
        if inc is None:
            raise Unanswered("no server")
        if self.conn is None or self.inc is not inc:
            self.close()
            self.conn = http.client.HTTPSConnection("127.0.0.1", inc.port, context=inc.ctx, timeout=self.timeout)
            self.inc = inc
        headers = {"Authorization": f"Bearer {token or self.soak.admin_key}"}
        data = None
        if body is not None:
            # Non-ASCII both raw (UTF-8) and \u-escaped.
            data = json.dumps(body, ensure_ascii=self.rng.random() < 0.3).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise Unanswered(f"{type(error).__name__}: {error}") from None
        if (response.getheader("Connection") or "").lower() == "close":
            self.close()
        doc = None
        if raw:
            try:
                doc = json.loads(raw)
            except ValueError:
                doc = raw[:300].decode("utf-8", "replace")
        return response.status, doc


# --- the soak -----------------------------------------------------------------------


class Soak:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.binary = os.path.abspath(args.podiumd)
        self.work = os.path.abspath(args.work)
        self.data = os.path.join(self.work, "data")
        self.logs = os.path.join(self.work, "logs")
        os.makedirs(self.data, exist_ok=True)
        os.makedirs(self.logs, exist_ok=True)
        self.admin_key = "pdk_soak-" + "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(24))
        self.inc = None
        self.incarnations = 0
        self.lock = threading.Lock()
        self.passed = 0
        self.failed = 0
        self.failures = []  # (category, message), the first ones
        self.categories = {}
        self.warnings = []
        self.stats = {k: 0 for k in (
            "score_writes", "session_writes", "key_writes", "board_writes", "admin_ops", "reads",
            "in_doubt", "doubt_applied", "doubt_not_applied", "events", "gap_events", "restart_gaps", "overflow_reconnects", "refused_as_expected")}
        # Load control.
        self.cv = threading.Condition()
        self.running = False
        self.stopping = False
        self.parked = set()
        self.stream_gen = 0  # +1 each time a restarted podiumd is verified: subscribers resume
        # Model.
        self.cells = {}  # (board, member) -> Cell
        self.workers = []
        self.subscribers = {}
        self.keys = []
        self.dyn = []
        self.verified_seq = {b: 0 for b in MAIN_BOARDS}
        self.server_key = None
        self.pending_conns = []
        self.kills = 0
        self.survived = 0
        self.crashes = 0
        self.started = time.monotonic()

    # --- bookkeeping ---

    def ok(self, n=1):
        with self.lock:
            self.passed += n

    def fail(self, category, message):
        with self.lock:
            self.failed += 1
            self.categories[category] = self.categories.get(category, 0) + 1
            if len(self.failures) < 200:
                self.failures.append((category, message))
        print(f"soak: FAIL [{category}] {message}", flush=True)

    def warn(self, message):
        with self.lock:
            self.warnings.append(message)
        print(f"soak: warning: {message}", flush=True)

    def count(self, name, n=1):
        with self.lock:
            self.stats[name] += n

    def elapsed(self):
        return time.monotonic() - self.started

    # --- podiumd ---

    def start_server(self):
        for attempt in range(3):
            self.incarnations += 1
            n = self.incarnations
            port = free_port()
            log_path = os.path.join(self.logs, f"podiumd-{n}.log")
            log = open(log_path, "wb")
            env = dict(os.environ, PODIUM_ADMIN_KEY=self.admin_key)
            proc = subprocess.Popen(
                [self.binary, "--data-dir", self.data, "--listen", f"127.0.0.1:{port}", "--fsync", "always",
                 "--auth-failures-per-minute", "0", "--event-history", str(EVENT_HISTORY), "--event-keepalive", "2",
                 "--no-console"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
            log.close()
            with open(os.path.join(self.work, "podiumd.pid"), "w") as f:
                f.write(f"{proc.pid}\n")
            started = time.monotonic()
            ca = os.path.join(self.data, "tls", "ca.pem")
            while time.monotonic() - started < READY_TIMEOUT:
                if proc.poll() is not None:
                    break
                if os.path.exists(ca):
                    try:
                        ctx = ssl.create_default_context(cafile=ca)
                        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=5)
                        conn.request("GET", "/readyz")
                        response = conn.getresponse()
                        response.read()
                        conn.close()
                        if response.status == 200:
                            return Incarnation(n, port, proc, log_path, ctx), time.monotonic() - started
                    except (OSError, ssl.SSLError, http.client.HTTPException):
                        pass
                time.sleep(0.05)
            code = proc.poll()
            if code is None:
                proc.kill()
                proc.wait()
            tail = self.log_tail(log_path)
            if code is not None and "address" in tail.lower() and attempt < 2:
                self.warn(f"podiumd {n} could not listen on {port}, another port: {tail[-200:]}")
                continue
            self.fail("server", f"podiumd {n} did not become ready in {READY_TIMEOUT:.0f}s (exit {code}); log {log_path}:\n{tail}")
            return None, 0
        return None, 0

    @staticmethod
    def log_tail(path, lines=30):
        try:
            with open(path, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop_server(self, sig):
        inc = self.inc
        if inc is None or inc.proc.poll() is not None:
            return None
        inc.dead = True
        inc.proc.send_signal(sig)
        try:
            return inc.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.fail("server", f"podiumd {inc.n} still running 60s after signal {sig}; killed; log {inc.log_path}")
            inc.proc.kill()
            return inc.proc.wait()

    # --- load control ---

    def park(self, name):
        with self.cv:
            self.parked.add(name)
            self.cv.notify_all()
            while not self.running and not self.stopping:
                self.cv.wait(0.5)
            self.parked.discard(name)

    def park_stream(self, name, gen):
        """A subscriber waits here for the next podiumd to be verified (not for the load:
        it must stream through pauses too)."""
        with self.cv:
            self.parked.add(name)
            self.cv.notify_all()
            while self.stream_gen == gen and not self.stopping:
                self.cv.wait(0.5)
            self.parked.discard(name)

    def open_streams(self):
        with self.cv:
            self.stream_gen += 1
            self.cv.notify_all()

    def pause(self):
        with self.cv:
            self.running = False
            self.cv.notify_all()

    def resume(self):
        with self.cv:
            self.running = True
            self.cv.notify_all()

    def wait_parked(self, names):
        deadline = time.monotonic() + PARK_TIMEOUT
        with self.cv:
            while not set(names) <= self.parked:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.fail("harness", f"threads not parked after {PARK_TIMEOUT:.0f}s: {sorted(set(names) - self.parked)}")
                    return False
                self.cv.wait(min(left, 0.5))
        return True

    def load_names(self):
        return [w.name for w in self.workers] + ["admin"]

    # --- setup ---

    def setup(self):
        c = Client(self)
        for board, cfg in MAIN_BOARDS.items():
            status, doc = c.call("PUT", f"/v1/boards/{board}", cfg)
            if status != 201:
                raise SystemExit(f"soak.py: PUT /v1/boards/{board}: {status} {doc}")
        status, doc = c.call("POST", "/v1/keys", {"name": "soak-server", "role": "server"})
        if status != 201:
            raise SystemExit(f"soak.py: POST /v1/keys: {status} {doc}")
        self.server_key = Key("soak-server", doc["key"], "server")
        self.keys.append(self.server_key)
        c.close()

    # --- verification (load stopped) ---

    def read_board_entries(self, c, board):
        entries, offset, total = {}, 0, None
        while True:
            status, doc = c.call("GET", f"/v1/boards/{board}/top?offset={offset}&limit=1000")
            if status != 200:
                raise Unanswered(f"GET {board}/top: {status} {doc}")
            for e in doc["entries"]:
                if e["member"] in entries:
                    self.fail("consistency", f"{board}: {e['member']!r} listed twice by /top")
                entries[e["member"]] = (float(e["score"]), canon(e.get("metadata")), e["rank"])
            total = doc["total"]
            offset += len(doc["entries"])
            if not doc["entries"] or offset >= total:
                return entries, total

    def check_order(self, board, cfg, ranked):
        """ranked: [(rank, score, member)] as /top lists them."""
        desc = (cfg.get("order") or "desc") == "desc"
        for i, (rank, score, member) in enumerate(ranked):
            if rank != i + 1:
                self.fail("consistency", f"{board}: /top rank {rank} at position {i + 1} ({member!r})")
                return
            if i and (score > ranked[i - 1][1] if desc else score < ranked[i - 1][1]):
                self.fail("consistency", f"{board}: /top out of order at rank {rank}: {ranked[i - 1][1]} then {score}")
                return
        self.ok()

    def verify(self, c, why, restarted, graceful=False):
        """Checks everything against the model, then makes what it saw the new baseline."""
        before = (self.passed, self.failed)
        lost = []
        seqs = {}
        for board, cfg in MAIN_BOARDS.items():
            status, doc = c.call("GET", f"/v1/boards/{board}")
            if status != 200:
                self.fail("lost", f"{why}: main board {board}: GET answered {status} {doc}")
                lost.append(f"board {board}")
                continue
            self.check_config(board, cfg, doc, why)
            seq = doc["seq"]
            seqs[board] = seq
            sub = self.subscribers[board]
            streamed = sub.last_seq
            if seq < sub.last_seq:
                self.fail("seq", f"{why}: {board}: board seq {seq} is below seq {sub.last_seq} a subscriber already got "
                                 f"(seqs {seq + 1}..{sub.last_seq} will be reused)")
                sub.last_seq = seq  # once is enough: the stream goes on from the board's seq
            elif seq < self.verified_seq[board]:
                self.fail("seq", f"{why}: {board}: board seq {seq} went back from {self.verified_seq[board]}")
            else:
                self.ok()
            entries, total = self.read_board_entries(c, board)
            self.check_order(board, cfg, sorted((r, s, m) for m, (s, _, r) in entries.items()))
            if total != len(entries) or doc["size"] != len(entries):
                self.fail("consistency", f"{why}: {board}: size {doc['size']}, /top total {total}, {len(entries)} listed")
            else:
                self.ok()
            observed = {m: (s, meta) for m, (s, meta, _) in entries.items()}
            unseen = dict(observed)
            for (b, member), cell in self.cells.items():
                if b != board:
                    continue
                got = unseen.pop(member, None)
                problem = self.check_cell(cell, got)
                if problem:
                    self.fail(problem[0], f"{why}: {board} {member!r}: {problem[1]}")
                    if problem[0] == "lost":
                        lost.append(f"{board}/{member}: acked {show(cell.confirmed)}, found {show(got)}")
                else:
                    self.ok()
                    if cell.doubt and not cell.unknown and any(d != cell.confirmed for d in cell.doubt):
                        self.count("doubt_applied" if got != cell.confirmed else "doubt_not_applied")
                cell.confirmed, cell.doubt, cell.unknown = got, [], False
            for member, state in unseen.items():
                self.fail("phantom", f"{why}: {board}: {member!r} = {show(state)} was never written")
            # The awkward ids through the member route (path decoding after recovery).
            for member in AWKWARD:
                status, doc = c.call("GET", f"/v1/boards/{board}/members/{q(member)}")
                want = observed.get(member)
                if want is None:
                    good = status == 404 and isinstance(doc, dict) and doc.get("code") == "member_not_found"
                else:
                    good = status == 200 and doc.get("member") == member and float(doc["score"]) == want[0]
                if good:
                    self.ok()
                else:
                    self.fail("consistency", f"{why}: GET {board}/members/{q(member)}: {status} {doc}, /top says {show(want)}")
            sub = self.subscribers[board]
            if not restarted:
                # At rest: the stream must have reached the board's seq, and replaying it
                # must give the board.
                deadline = time.monotonic() + 20
                while sub.last_seq < seq and time.monotonic() < deadline:
                    time.sleep(0.05)
                if sub.last_seq != seq:
                    self.fail("seq", f"{why}: {board}: the stream is at seq {sub.last_seq}, the board at {seq}")
                else:
                    self.ok()
                self.compare_chain(board, sub, observed, why)
            else:
                if seq == streamed:
                    self.compare_chain(board, sub, observed, why)
                sub.expect_gap = (sub.last_seq + 1, seq) if seq > sub.last_seq else None
                if graceful and sub.expect_gap:
                    self.fail("seq", f"{why}: {board}: seqs {sub.expect_gap[0]}..{seq} were committed but never "
                                     f"streamed before a graceful stop")
                if sub.expect_gap:
                    self.count("restart_gaps")
                    self.count("gap_events", seq - sub.last_seq)
                sub.chain = {m: s for m, (s, _) in observed.items()}
                sub.chain_valid = True
            self.verified_seq[board] = max(self.verified_seq[board], seq)
        lost += self.verify_sessions(c, why)
        lost += self.verify_keys(c, why)
        lost += self.verify_dyn(c, why)
        checks = self.passed - before[0] + self.failed - before[1]
        return checks, self.failed - before[1], seqs, lost

    def check_config(self, board, cfg, doc, why):
        bad = []
        for k, v in cfg.items():
            got = doc.get(k)
            if isinstance(v, float):
                if not isinstance(got, (int, float)) or float(got) != v:
                    bad.append(f"{k}: {got!r} != {v!r}")
            elif isinstance(v, dict):
                if not isinstance(got, dict) or any(got.get(kk) != vv for kk, vv in v.items()):
                    bad.append(f"{k}: {got!r} != {v!r}")
            elif got != v:
                bad.append(f"{k}: {got!r} != {v!r}")
        if bad:
            self.fail("lost", f"{why}: board {board}'s config changed: {'; '.join(bad)}")
        else:
            self.ok()

    def check_cell(self, cell, got):
        if cell.unknown:
            return None
        if got == cell.confirmed or got in cell.doubt:
            return None
        if cell.confirmed is not None:
            return ("lost", f"acknowledged {show(cell.confirmed)}, found {show(got)}"
                            + (f" (in doubt: {', '.join(show(d) for d in cell.doubt)})" if cell.doubt else ""))
        return ("phantom", f"acknowledged absent, found {show(got)}"
                           + (f" (in doubt: {', '.join(show(d) for d in cell.doubt)})" if cell.doubt else ""))

    def compare_chain(self, board, sub, observed, why):
        if not sub.chain_valid:
            return
        replayed = {m: s for m, s in sub.chain.items() if s is not None}
        actual = {m: s for m, (s, _) in observed.items()}
        if replayed != actual:
            diff = sorted(set(replayed) ^ set(actual)) + sorted(m for m in set(replayed) & set(actual) if replayed[m] != actual[m])
            self.fail("events", f"{why}: {board}: the event stream replayed does not give the board: "
                                f"{[(m, replayed.get(m), actual.get(m)) for m in diff[:5]]}")
        else:
            self.ok()

    def verify_sessions(self, c, why):
        lost = []
        for w in self.workers:
            for s in w.sessions:
                status, doc = c.call("GET", "/v1/sessions/me", token=s.token)
                if status == 200:
                    got = (True, canon(doc.get("data")))
                    if doc.get("player") != s.player or doc.get("session_id") != s.sid:
                        self.fail("lost", f"{why}: session {s.sid}: answers as {doc}")
                elif status == 401:
                    got = (False, None)
                else:
                    self.fail("http", f"{why}: GET /v1/sessions/me for session {s.sid}: {status} {doc}")
                    s.unknown = True
                    continue
                want = (s.alive, s.data if s.alive else None)
                if s.unknown or got == want or got in s.doubt:
                    self.ok()
                    if got[0] and s.alive and not s.unknown and doc.get("expires_at", "") < (s.expires or ""):
                        self.fail("lost", f"{why}: session {s.sid}: expires_at {doc.get('expires_at')} before the acknowledged {s.expires}")
                else:
                    kind = "lost" if s.alive else "phantom"
                    self.fail(kind, f"{why}: session {s.sid} (player {s.player!r}): acknowledged "
                                    f"{'alive ' + str(s.data) if s.alive else 'revoked'}, found "
                                    f"{'alive ' + str(got[1]) if got[0] else 'refused (401)'}")
                    if kind == "lost":
                        lost.append(f"session {s.sid}")
                s.alive, s.data, s.doubt, s.unknown = got[0], got[1], [], False
                if got[0]:
                    s.expires = doc.get("expires_at")
            w.sessions = [s for s in w.sessions if s.alive] + [s for s in w.sessions if not s.alive][-10:]
        return lost

    def verify_keys(self, c, why):
        lost = []
        status, doc = c.call("GET", "/v1/keys")
        if status != 200:
            self.fail("http", f"{why}: GET /v1/keys: {status} {doc}")
            return lost
        listed = {k["name"]: k for k in doc["keys"]}
        for k in self.keys:
            status, answer = c.call("GET", "/v1/boards/soak-best", token=k.secret)
            works = status == 200
            if status not in (200, 401):
                self.fail("http", f"{why}: key {k.name}: GET with it answered {status} {answer}")
                continue
            if works != (k.name in listed):
                self.fail("consistency", f"{why}: key {k.name}: {'works' if works else 'refused'} but "
                                         f"{'listed' if k.name in listed else 'not listed'}")
            if works and listed.get(k.name, {}).get("role") != k.role:
                self.fail("lost", f"{why}: key {k.name}: role {listed.get(k.name)} not {k.role}")
            if k.unknown or works == k.alive or works in k.doubt:
                self.ok()
            else:
                self.fail("lost" if k.alive else "phantom",
                          f"{why}: key {k.name}: acknowledged {'created' if k.alive else 'revoked'}, found "
                          f"{'working' if works else 'refused'}")
                if k.alive:
                    lost.append(f"key {k.name}")
            k.alive, k.doubt, k.unknown = works, [], False
        self.keys = [k for k in self.keys if k.alive] + [k for k in self.keys if not k.alive][-10:]
        return lost

    def observe_dyn(self, c, d):
        status, doc = c.call("GET", f"/v1/boards/{q(d.name)}")
        if status == 404:
            return (False, None, 0)
        if status != 200:
            raise Unanswered(f"GET /v1/boards/{d.name}: {status} {doc}")
        self.check_config(d.name, d.cfg, doc, "created board")
        status, doc = c.call("GET", f"/v1/boards/{d.name}/members/{q(DYN_MEMBER)}")
        member = (float(doc["score"]), canon(doc.get("metadata"))) if status == 200 else None
        if status not in (200, 404):
            raise Unanswered(f"GET member of {d.name}: {status} {doc}")
        status, doc = c.call("GET", f"/v1/boards/{d.name}/seasons")
        if status != 200:
            raise Unanswered(f"GET seasons of {d.name}: {status} {doc}")
        return (True, member, len(doc["seasons"]))

    def verify_dyn(self, c, why):
        lost = []
        for d in self.dyn:
            try:
                got = self.observe_dyn(c, d)
            except Unanswered as error:
                self.fail("http", f"{why}: board {d.name}: {error}")
                continue
            if d.unknown or got == d.confirmed or got in d.doubt:
                self.ok()
            else:
                kind = "lost" if d.confirmed[0] else "phantom"
                self.fail(kind, f"{why}: board {d.name}: acknowledged {self.show_dyn(d.confirmed)}, found {self.show_dyn(got)}"
                                + (f" (in doubt: {', '.join(self.show_dyn(x) for x in d.doubt)})" if d.doubt else ""))
                if kind == "lost":
                    lost.append(f"board {d.name}")
            d.confirmed, d.doubt, d.unknown = got, [], False
        self.dyn = [d for d in self.dyn if d.confirmed[0]] + [d for d in self.dyn if not d.confirmed[0]][-10:]
        return lost

    @staticmethod
    def show_dyn(state):
        exists, member, seasons = state
        return f"exists, member {show(member)}, {seasons} seasons" if exists else "absent"

    # --- the run ---

    def run(self):
        a = self.args
        short = a.minutes <= 3
        lo, hi = (8.0, 20.0) if short else (20.0, 60.0)
        deadline = self.started + a.minutes * 60
        final_reserve = 15.0 if short else 25.0
        max_kills = max(1, min(200, int(a.minutes * 60 / lo)))
        print(f"soak: podiumd {self.binary}, {a.minutes:g} min, seed {a.seed}, {a.workers} workers + admin + "
              f"{len(MAIN_BOARDS)} subscribers, SIGKILL every {lo:.0f}-{hi:.0f}s (at most {max_kills}), work dir {self.work}",
              flush=True)
        self.inc, ready = self.start_server()
        if self.inc is None:
            return
        print(f"soak: podiumd 1 ready in {ready:.1f}s on port {self.inc.port}", flush=True)
        self.setup()
        self.workers = [Worker(self, i, random.Random(self.rng.random())) for i in range(a.workers)]
        admin = Admin(self, random.Random(self.rng.random()))
        self.subscribers = {b: Subscriber(self, b) for b in MAIN_BOARDS}
        threads = self.workers + [admin] + list(self.subscribers.values())
        for t in threads:
            t.start()
        self.resume()
        try:
            while self.kills < max_kills:
                interval = self.rng.uniform(lo, hi)
                if time.monotonic() + interval + 10 > deadline - final_reserve and self.kills > 0:
                    break
                if not self.load_for(interval):
                    continue
                if not self.kill_cycle():
                    return
            # The load goes on up to the final checks.
            self.load_for(max(0.0, deadline - final_reserve - time.monotonic()))
            self.final()
        finally:
            self.stopping = True
            self.pause()
            self.stop_server(signal.SIGKILL)
            for t in threads:
                t.join(timeout=5)

    def load_for(self, seconds):
        """Lets the load run; False when podiumd died on its own (then restarted)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.inc.proc.poll() is not None:
                self.crashes += 1
                self.fail("server", f"podiumd {self.inc.n} exited on its own with {self.inc.proc.returncode}; "
                                    f"log {self.inc.log_path}:\n{self.log_tail(self.inc.log_path)}")
                self.pause()
                self.wait_parked(self.load_names() + [s.name for s in self.subscribers.values()])
                return self.restart_and_verify("after a crash")
            time.sleep(0.2)
        return True

    def kill_cycle(self):
        self.kills += 1
        inc = self.inc
        up = time.monotonic() - inc.started
        acked_before = self.acked()
        doubt_before = self.stats["in_doubt"]
        note = ""
        if self.rng.random() < 0.3:
            note = self.snapshot_then_kill(inc)
        self.pause()
        inc.dead = True
        inc.proc.send_signal(signal.SIGKILL)
        inc.proc.wait()
        for conn in self.pending_conns:
            conn.close()
        self.pending_conns = []
        parked = self.wait_parked(self.load_names() + [s.name for s in self.subscribers.values()])
        print(f"soak: kill {self.kills} at {self.elapsed():.1f}s: podiumd {inc.n} (pid {inc.proc.pid}, up {up:.1f}s) "
              f"SIGKILLed mid-load{note}; {acked_before} writes acknowledged so far, "
              f"{self.stats['in_doubt'] - doubt_before} in flight (in doubt)", flush=True)
        if not parked:
            return False
        return self.restart_and_verify(f"kill {self.kills}")

    def snapshot_then_kill(self, inc):
        """Asks for a snapshot (or a compaction) and returns once it has begun: the log has
        rolled to a new segment; then up to 10 ms more. The kill lands between the roll and
        the manifest naming the new segment, while the snapshot is written, or around its
        switch."""
        route = self.rng.choice(["/v1/admin/snapshot", "/v1/admin/compact"])
        before = set(os.listdir(self.data))
        conn = http.client.HTTPSConnection("127.0.0.1", inc.port, context=inc.ctx, timeout=10)
        try:
            conn.connect()  # the TLS handshake first, so the request reaches podiumd before the kill
            conn.request("POST", route, headers={"Authorization": f"Bearer {self.admin_key}"})
        except (OSError, http.client.HTTPException):
            return ""
        deadline = time.monotonic() + 1.0
        rolled = False
        while time.monotonic() < deadline and not rolled:
            rolled = any(f.startswith("segment-") and f not in before for f in os.listdir(self.data))
        time.sleep(self.rng.uniform(0.0, 0.01))
        self.pending_conns.append(conn)  # closed after the kill
        return f" just after {route} began" + ("" if rolled else " (no new segment seen)")

    def restart_and_verify(self, why, resume=True, graceful=False):
        if self.args.selftest and why == "kill 1":
            self.sabotage()
        t0 = time.monotonic()
        self.inc, ready = self.start_server()
        if self.inc is None:
            return False
        c = Client(self)
        try:
            checks, failed, seqs, lost = self.verify(c, why, restarted=True, graceful=graceful)
        except Unanswered as error:
            self.fail("server", f"{why}: verification got no answer: {error}; log {self.inc.log_path}")
            return False
        finally:
            c.close()
        if failed == 0 and why.startswith("kill"):
            self.survived += 1
        gaps = ", ".join(f"{b} {s}" + (f" (+{s - self.subscribers[b].expect_gap[0] + 1} unseen)" if self.subscribers[b].expect_gap else "")
                         for b, s in seqs.items())
        recovery = self.recovery_note(self.inc.log_path)
        print(f"soak:   podiumd {self.inc.n} ready in {ready:.1f}s{recovery}; verified in {time.monotonic() - t0 - ready:.1f}s: "
              f"{checks} checks, {failed} failed{'; LOST: ' + '; '.join(lost[:5]) if lost else ''}; seqs: {gaps}", flush=True)
        if failed:
            print(f"soak:   logs: {self.logs}", flush=True)
        self.open_streams()
        if resume:
            self.resume()
        return True

    def sabotage(self):
        """--selftest: loses acknowledged writes on purpose (zeroes the newest log segment's
        records from a frame boundary ~4 KiB before their end, as a lost write-back would;
        segments are preallocated with zeros), so the run must fail: proof the checks bite."""
        segments = sorted(f for f in os.listdir(self.data) if f.startswith("segment-") and f.endswith(".aof"))
        path = os.path.join(self.data, segments[-1])
        with open(path, "r+b") as f:
            data = f.read()
            bounds, offset = [], 12  # after the file header
            while offset + 9 <= len(data):
                length = int.from_bytes(data[offset:offset + 4], "little")
                if length == 0 and data[offset + 4] == 0:
                    break
                bounds.append(offset)
                offset += 9 + length + 4
            end = offset
            cut = next((b for b in reversed(bounds) if b <= end - 4096), 12)
            f.seek(cut)
            f.write(bytes(end - cut))
            f.flush()
            os.fsync(f.fileno())
        print(f"soak: SELF-TEST: zeroed {segments[-1]} from byte {cut} to {end} ({len(bounds)} records before): "
              f"this run must fail", flush=True)

    @staticmethod
    def recovery_note(path):
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        lines = text.splitlines()
        notes = [l.split("] ", 1)[-1] for l in lines if "recovered" in l]
        notes += [l.strip() for l in lines if any(w in l.lower() for w in ("torn", "truncat", "warning", "error", "critical"))]
        return f" ({'; '.join(n[:200] for n in notes[:3])})" if notes else ""

    def acked(self):
        s = self.stats
        return s["score_writes"] + s["session_writes"] + s["key_writes"] + s["board_writes"]

    def final(self):
        # At rest: everything must be as the model says, streams included.
        self.pause()
        if not self.wait_parked(self.load_names()):
            return
        c = Client(self)
        try:
            checks, failed, seqs, lost = self.verify(c, "at rest", restarted=False)
            print(f"soak: at rest at {self.elapsed():.1f}s: {checks} checks, {failed} failed", flush=True)
        except Unanswered as error:
            self.fail("server", f"at rest: no answer: {error}")
            return
        finally:
            c.close()
        # A graceful stop must lose nothing either, and leave nothing unseen.
        code = self.stop_server(signal.SIGTERM)
        if code != 0:
            self.fail("server", f"podiumd {self.inc.n} exited with {code} on SIGTERM; log {self.inc.log_path}")
        self.wait_parked(self.load_names() + [s.name for s in self.subscribers.values()])
        if not self.restart_and_verify("graceful restart", resume=False, graceful=True):
            return
        code = self.stop_server(signal.SIGTERM)
        if code != 0:
            self.fail("server", f"podiumd {self.inc.n} exited with {code} on SIGTERM; log {self.inc.log_path}")
        cli = os.path.join(os.path.dirname(self.binary), "podium")
        if os.access(cli, os.X_OK):
            result = subprocess.run([cli, "check", self.data], capture_output=True, text=True, timeout=120)
            if result.returncode == 0:
                self.ok()
                print(f"soak: podium check {self.data}: ok", flush=True)
            else:
                self.fail("storage", f"podium check {self.data} exited {result.returncode}: {result.stdout[-500:]} {result.stderr[-500:]}")

    def report(self):
        s = self.stats
        lost = [m for cat, m in self.failures if cat == "lost"]
        print(f"soak: {self.elapsed():.0f}s, {self.kills} kills ({self.survived} verified clean), {self.crashes} crashes, "
              f"{self.incarnations} podiumd runs; acknowledged: {s['score_writes']} score writes, {s['session_writes']} "
              f"session writes, {s['key_writes']} key writes, {s['board_writes']} board writes, {s['admin_ops']} "
              f"snapshots/compactions; {s['reads']} reads checked, {s['refused_as_expected']} refusals as expected; "
              f"{s['in_doubt']} writes in doubt at kills (member states that differed: {s['doubt_applied']} applied, "
              f"{s['doubt_not_applied']} not); {s['events']} events streamed in order, "
              f"{s['gap_events']} committed but unstreamed at kills ({s['restart_gaps']} lagged notices at restarts), "
              f"{s['overflow_reconnects']} queue-overflow resumes", flush=True)
        for w in self.warnings[:10]:
            print(f"soak: warning: {w}")
        if self.failed:
            print(f"soak: failures by kind: {self.categories}; first ones:")
            for cat, message in self.failures[:20]:
                print(f"  [{cat}] {message}")
            print(f"soak: podiumd logs, one per run: {self.logs}")
        what_lost = "nothing lost" if not lost else f"{len(lost)} lost: " + " | ".join(m[:200] for m in lost[:3])
        names = {"seq": "seq regressions/gaps", "phantom": "phantoms", "server": "server failures", "events": "stream errors",
                 "model": "answers off the model", "http": "HTTP errors", "consistency": "inconsistent reads",
                 "harness": "harness errors", "storage": "storage check failures"}
        others = ", ".join(f"{n} {names.get(c, c)}" for c, n in sorted(self.categories.items()) if c != "lost")
        print(f"{self.passed} passed, {self.failed} failed ({self.acked()} writes acknowledged, {self.survived} kills "
              f"survived of {self.kills}, {what_lost}{'; ' + others if others else ''})", flush=True)


# --- load threads -------------------------------------------------------------------


class LoadThread(threading.Thread):
    def __init__(self, soak, name, rng):
        super().__init__(name=name, daemon=True)
        self.soak, self.rng = soak, rng
        self.client = Client(soak)

    def run(self):
        soak = self.soak
        while not soak.stopping:
            if not soak.running:
                self.client.close()
                soak.park(self.name)
                continue
            try:
                self.step()
            except Exception as error:  # a harness bug must not pass silently
                soak.fail("harness", f"{self.name}: {error!r}\n{traceback.format_exc()}")
                time.sleep(1)

    def expected_errors(self, inc):
        """True when an unanswered request is explained by a kill (or the run's end)."""
        return not self.soak.running or self.soak.inc is not inc or inc.down

    def call(self, method, path, body=None, token=None):
        """(inc, status, doc), or (inc, None, error) when unanswered."""
        inc = self.soak.inc
        try:
            status, doc = self.client.call(method, path, body, token, inc=inc)
            return inc, status, doc
        except Unanswered as error:
            return inc, None, error

    def unanswered(self, inc, what, error, on_doubt, on_unknown):
        if self.expected_errors(inc):
            on_doubt()
            self.soak.count("in_doubt")
        else:
            self.soak.fail("http", f"{what}: no answer while podiumd {inc.n} was up: {error}")
            on_unknown()

    def unexpected(self, what, status, doc):
        self.soak.fail("http", f"{what}: answered {status}: {doc}")


class Worker(LoadThread):
    def __init__(self, soak, index, rng):
        super().__init__(soak, f"worker-{index}", rng)
        self.index = index
        self.members = [f"w{index}-m{j}" for j in range(24)]
        self.members += [m for k, m in enumerate(AWKWARD) if k % soak.args.workers == index]
        self.members += [f"w{index} ✓ {j}/x" for j in range(3)]
        for board in MAIN_BOARDS:
            for m in self.members:
                soak.cells[(board, m)] = Cell(board, m)
        self.sessions = []
        self.counter = 0
        self.ops = [(self.op_submit, 30), (self.op_batch, 8), (self.op_multi, 8), (self.op_remove, 3),
                    (self.op_out_of_bounds, 1), (self.op_read_member, 12), (self.op_top, 4), (self.op_lookup, 4),
                    (self.op_around, 3), (self.op_session, 14), (self.op_player_submit, 5)]
        self.weights = [w for _, w in self.ops]

    def step(self):
        op = self.rng.choices(self.ops, weights=self.weights)[0][0]
        op()

    def next_value(self):
        self.counter += 1
        return self.counter

    def cell(self, board, member=None):
        for _ in range(5):
            c = self.soak.cells[(board, member or self.rng.choice(self.members))]
            if not c.unknown:
                return c
        return None

    # --- score writes ---

    def write(self, what, method, path, body, plan, token=None):
        """Sends a write whose plan is [(cell, state)] in order; registers the scores it may
        produce first. Returns the answer or None (in doubt / unexpected)."""
        for cell, state in plan:
            if state is not None:
                cell.may_produce(state[0])
        inc, status, doc = self.call(method, path, body, token)
        if status is None:
            def doubt():
                for cell, state in plan:
                    cell.doubt.append(state)

            def unknown():
                for cell, _ in plan:
                    cell.unknown = True
            self.unanswered(inc, what, doc, doubt, unknown)
            return None
        return status, doc

    def acked(self, what, cell, state, result):
        """A result for `cell`: must be `state`."""
        got = (float(result["score"]) if result.get("score") is not None else None, canon(result.get("metadata")))
        if result.get("member") != cell.member or got != state:
            self.soak.fail("model", f"{what}: {cell.board} {cell.member!r}: answered {result}, expected {show(state)} "
                                    f"from {show(cell.confirmed)}")
            cell.confirmed = got if got[0] is not None else None
        else:
            cell.confirmed = state
            self.soak.ok()
        self.soak.count("score_writes")

    def op_submit(self):
        board = self.rng.choice(list(MAIN_BOARDS))
        cfg = MAIN_BOARDS[board]
        cell = self.cell(board)
        if cell is None:
            return
        body, meta = {"member": cell.member}, KEEP
        if board == "soak-set":
            score = self.next_value()
            if self.rng.random() < 0.7:
                meta_doc = {"n": score, "w": f"ü{self.index}"}
                body["metadata"], meta = meta_doc, canon(meta_doc)
        elif board == "soak-incr":
            score = self.rng.randint(1, 9)
        else:
            score = self.rng.randint(-100000, 100000)
        body["score"] = score
        state = apply(cfg, cell.confirmed, score, meta=meta)
        what = f"POST {board}/scores {cell.member!r} {score}"
        answer = self.write(what, "POST", f"/v1/boards/{board}/scores", body, [(cell, state)])
        if answer is None:
            return
        status, doc = answer
        if status != 200:
            self.unexpected(what, status, doc)
            cell.unknown = True
            return
        self.acked(what, cell, state, doc)

    def op_batch(self):
        board = self.rng.choice(list(MAIN_BOARDS))
        cfg = MAIN_BOARDS[board]
        pending, plan, entries = {}, [], []
        for _ in range(self.rng.randint(2, 40)):
            cell = self.cell(board)
            if cell is None:
                continue
            entry = {"member": cell.member}
            update = None
            if board == "soak-set":
                score = self.next_value()
            elif board == "soak-incr":
                score = self.rng.randint(1, 9)
            else:
                score = self.rng.randint(-100000, 100000)
                if self.rng.random() < 0.1:
                    update = "set"
                    entry["update"] = "set"
            entry["score"] = score
            state = apply(cfg, pending.get(cell.member, cell.confirmed), score, update=update)
            pending[cell.member] = state
            plan.append((cell, state))
            entries.append(entry)
        if not entries:
            return
        what = f"POST {board}/scores/batch of {len(entries)}"
        answer = self.write(what, "POST", f"/v1/boards/{board}/scores/batch", {"entries": entries}, plan)
        if answer is None:
            return
        status, doc = answer
        if status != 200 or len(doc.get("results", [])) != len(entries):
            self.unexpected(what, status, doc)
            for cell, _ in plan:
                cell.unknown = True
            return
        for (cell, state), result in zip(plan, doc["results"]):
            if "result" in result:
                self.acked(what, cell, state, result["result"])
            else:
                self.unexpected(f"{what}: entry {cell.member!r}", 200, result)
                cell.unknown = True

    def op_multi(self):
        boards = self.rng.sample(list(MAIN_BOARDS), self.rng.randint(2, 4))
        member = self.rng.choice(self.members)
        cells = [self.soak.cells[(b, member)] for b in boards]
        if any(c.unknown for c in cells):
            return
        score = self.rng.randint(1, 500)
        plan = [(c, apply(MAIN_BOARDS[c.board], c.confirmed, score)) for c in cells]
        what = f"POST /v1/scores {member!r} {score} to {boards}"
        answer = self.write(what, "POST", "/v1/scores", {"member": member, "score": score, "boards": boards}, plan)
        if answer is None:
            return
        status, doc = answer
        results = doc.get("results", []) if isinstance(doc, dict) else []
        if status != 200 or [r.get("board") for r in results] != boards:
            self.unexpected(what, status, doc)
            for cell, _ in plan:
                cell.unknown = True
            return
        for (cell, state), r in zip(plan, results):
            if "result" in r:
                self.acked(what, cell, state, r["result"])
            else:
                self.unexpected(f"{what}: board {cell.board}", 200, r)
                cell.unknown = True

    def op_remove(self):
        board = self.rng.choice(["soak-set", "soak-best"])
        cell = self.cell(board)
        if cell is None:
            return
        what = f"DELETE {board}/members/{q(cell.member)}"
        answer = self.write(what, "DELETE", f"/v1/boards/{board}/members/{q(cell.member)}", None, [(cell, None)])
        if answer is None:
            return
        status, doc = answer
        if cell.confirmed is None:
            if status == 404 and doc.get("code") == "member_not_found":
                self.soak.ok()
                self.soak.count("refused_as_expected")
            else:
                self.unexpected(f"{what} (absent)", status, doc)
                cell.unknown = True
        elif status == 204:
            cell.confirmed = None
            self.soak.ok()
            self.soak.count("score_writes")
        else:
            self.unexpected(what, status, doc)
            cell.unknown = True

    def op_out_of_bounds(self):
        cell = self.cell("soak-asc")
        if cell is None:
            return
        score = self.rng.choice([-1000001, 1000001, 5e6])
        what = f"POST soak-asc/scores {cell.member!r} {score} (out of bounds)"
        # Refused: nothing may change, so the only possible state is the current one.
        answer = self.write(what, "POST", "/v1/boards/soak-asc/scores", {"member": cell.member, "score": score}, [])
        if answer is None:
            return
        status, doc = answer
        if status == 422 and doc.get("code") == "score_out_of_bounds":
            self.soak.ok()
            self.soak.count("refused_as_expected")
        else:
            self.unexpected(what, status, doc)
            cell.unknown = True

    # --- reads, each against the model ---

    def read(self, what, path, body=None, method="GET", token=None):
        inc, status, doc = self.call(method, path, body, token)
        if status is None:
            if not self.expected_errors(inc):
                self.soak.fail("http", f"{what}: no answer while podiumd {inc.n} was up: {doc}")
            return None
        self.soak.count("reads")
        return status, doc

    def op_read_member(self):
        board = self.rng.choice(list(MAIN_BOARDS))
        cell = self.soak.cells[(board, self.rng.choice(self.members))]
        if not cell.clean:
            return
        what = f"GET {board}/members/{q(cell.member)}"
        answer = self.read(what, f"/v1/boards/{board}/members/{q(cell.member)}")
        if answer is None:
            return
        status, doc = answer
        if cell.confirmed is None:
            good = status == 404 and doc.get("code") == "member_not_found"
        else:
            good = (status == 200 and doc.get("member") == cell.member
                    and (float(doc["score"]), canon(doc.get("metadata"))) == cell.confirmed)
        if good:
            self.soak.ok()
        else:
            self.soak.fail("model", f"{what}: {status} {doc}, the model says {show(cell.confirmed)}")

    def op_top(self):
        board = self.rng.choice(list(MAIN_BOARDS))
        what = f"GET {board}/top"
        answer = self.read(what, f"/v1/boards/{board}/top?limit=1000")
        if answer is None:
            return
        status, doc = answer
        if status != 200:
            self.soak.fail("http", f"{what}: {status} {doc}")
            return
        listed = {e["member"]: (float(e["score"]), canon(e.get("metadata"))) for e in doc["entries"]}
        ranked = [(e["rank"], float(e["score"]), e["member"]) for e in doc["entries"]]
        self.soak.check_order(board, MAIN_BOARDS[board], ranked)
        bad = []
        for m in self.members:
            cell = self.soak.cells[(board, m)]
            if not cell.clean:
                continue
            got = listed.get(m)
            if got is None and doc["total"] > len(doc["entries"]):
                continue  # beyond this page
            if got != cell.confirmed:
                bad.append(f"{m!r}: listed {show(got)}, model {show(cell.confirmed)}")
        if bad:
            self.soak.fail("model", f"{what}: {'; '.join(bad[:3])}")
        else:
            self.soak.ok()

    def op_lookup(self):
        board = self.rng.choice(list(MAIN_BOARDS))
        members = self.rng.sample(self.members, self.rng.randint(1, 8))
        cells = [self.soak.cells[(board, m)] for m in members]
        if not all(c.clean for c in cells):
            return
        what = f"POST {board}/members:lookup"
        answer = self.read(what, f"/v1/boards/{board}/members:lookup", {"members": members}, method="POST")
        if answer is None:
            return
        status, doc = answer
        if status != 200:
            self.soak.fail("http", f"{what}: {status} {doc}")
            return
        found = {e["member"]: (float(e["score"]), canon(e.get("metadata"))) for e in doc["entries"]}
        want_found = {c.member: c.confirmed for c in cells if c.confirmed is not None}
        want_missing = [c.member for c in cells if c.confirmed is None]
        if found != want_found or doc["missing"] != want_missing:
            self.soak.fail("model", f"{what} {members}: found {found} missing {doc['missing']}, "
                                    f"model {want_found} missing {want_missing}")
        else:
            self.soak.ok()

    def op_around(self):
        board = self.rng.choice(list(MAIN_BOARDS))
        cell = self.soak.cells[(board, self.rng.choice(self.members))]
        if not cell.clean:
            return
        what = f"GET {board}/around/{q(cell.member)}"
        answer = self.read(what, f"/v1/boards/{board}/around/{q(cell.member)}?radius=2")
        if answer is None:
            return
        status, doc = answer
        if cell.confirmed is None:
            good = status == 404
        else:
            mine = [e for e in doc.get("entries", [])] if status == 200 else []
            mine = [e for e in mine if e["member"] == cell.member]
            good = len(mine) == 1 and (float(mine[0]["score"]), canon(mine[0].get("metadata"))) == cell.confirmed
        if good:
            self.soak.ok()
        else:
            self.soak.fail("model", f"{what}: {status} {doc}, model {show(cell.confirmed)}")

    # --- sessions ---

    def op_session(self):
        live = [s for s in self.sessions if s.alive and not s.unknown]
        r = self.rng.random()
        if not live or (r < 0.2 and len(live) < 10):
            return self.session_create()
        s = self.rng.choice(live)
        if r < 0.45:
            return self.session_check(s)
        if r < 0.7:
            return self.session_data(s)
        if r < 0.8:
            return self.session_refresh(s)
        return self.session_end(s, logout=r < 0.88)

    def session_create(self):
        player = self.rng.choice(self.members)
        data = {"n": 0, "player": player}
        what = f"POST /v1/sessions for {player!r}"
        inc, status, doc = self.call("POST", "/v1/sessions", {"player": player, "ttl_seconds": 7200, "data": data},
                                     token=self.soak.server_key.secret)
        if status is None:
            # Its token is lost with the answer: nothing to check later.
            self.unanswered(inc, what, doc, lambda: None, lambda: None)
            return
        if status != 201 or not str(doc.get("token", "")).startswith("pds_") or doc.get("player") != player:
            self.unexpected(what, status, doc)
            return
        self.sessions.append(Session(doc["token"], doc["session_id"], player, canon(data), doc["expires_at"]))
        self.soak.count("session_writes")
        self.soak.ok()

    def session_check(self, s):
        if not s.clean:
            return
        answer = self.read(f"GET /v1/sessions/me ({s.sid})", "/v1/sessions/me", token=s.token)
        if answer is None:
            return
        status, doc = answer
        if status == 200 and doc.get("session_id") == s.sid and canon(doc.get("data")) == s.data and doc.get("player") == s.player:
            self.soak.ok()
        else:
            self.soak.fail("model", f"GET /v1/sessions/me ({s.sid}): {status} {doc}, model alive with {s.data}")

    def session_data(self, s):
        data = {"n": self.next_value(), "note": "ünïcode ✓", "player": s.player}
        what = f"PUT /v1/sessions/me/data ({s.sid})"
        inc, status, doc = self.call("PUT", "/v1/sessions/me/data", data, token=s.token)
        if status is None:
            self.unanswered(inc, what, doc, lambda: s.doubt.append((True, canon(data))), lambda: setattr(s, "unknown", True))
            return
        if status == 200 and canon(doc.get("data")) == canon(data):
            s.data = canon(data)
            self.soak.count("session_writes")
            self.soak.ok()
        else:
            self.unexpected(what, status, doc)
            s.unknown = True

    def session_refresh(self, s):
        what = f"POST /v1/sessions/me/refresh ({s.sid})"
        inc, status, doc = self.call("POST", "/v1/sessions/me/refresh", None, token=s.token)
        if status is None:
            # Either expiry is fine; the data is unchanged.
            self.unanswered(inc, what, doc, lambda: None, lambda: setattr(s, "unknown", True))
            return
        if status == 200 and doc.get("expires_at", "") >= s.expires:
            s.expires = doc["expires_at"]
            self.soak.count("session_writes")
            self.soak.ok()
        else:
            self.unexpected(what, status, doc)
            s.unknown = True

    def session_end(self, s, logout):
        if logout:
            what, method, path, token = f"DELETE /v1/sessions/me ({s.sid})", "DELETE", "/v1/sessions/me", s.token
        else:
            what, method, path, token = f"DELETE /v1/sessions/{s.sid}", "DELETE", f"/v1/sessions/{q(s.sid)}", self.soak.server_key.secret
        inc, status, doc = self.call(method, path, None, token=token)
        if status is None:
            self.unanswered(inc, what, doc, lambda: s.doubt.append((False, None)), lambda: setattr(s, "unknown", True))
            return
        if status == 204:
            s.alive, s.data = False, None
            self.soak.count("session_writes")
            self.soak.ok()
            # Refused at once.
            answer = self.read(f"GET /v1/sessions/me after {what}", "/v1/sessions/me", token=s.token)
            if answer is not None:
                if answer[0] == 401:
                    self.soak.ok()
                else:
                    self.soak.fail("model", f"GET /v1/sessions/me after {what}: {answer[0]} {answer[1]}")
        else:
            self.unexpected(what, status, doc)
            s.unknown = True

    def op_player_submit(self):
        live = [s for s in self.sessions if s.alive and s.clean]
        if not live:
            return
        s = self.rng.choice(live)
        cell = self.soak.cells[("soak-best", s.player)]
        if cell.unknown:
            return
        score = self.rng.randint(-100000, 100000)
        state = apply(MAIN_BOARDS["soak-best"], cell.confirmed, score)
        what = f"POST soak-best/scores as player {s.player!r} {score}"
        answer = self.write(what, "POST", "/v1/boards/soak-best/scores", {"member": s.player, "score": score},
                            [(cell, state)], token=s.token)
        if answer is None:
            return
        status, doc = answer
        if status != 200:
            self.unexpected(what, status, doc)
            cell.unknown = True
            return
        self.acked(what, cell, state, doc)


class Admin(LoadThread):
    """Keys, created boards, snapshots: the admin's writes."""

    def __init__(self, soak, rng):
        super().__init__(soak, "admin", rng)
        self.key_count = 0
        self.board_count = 0
        self.last_snapshot = time.monotonic()

    def step(self):
        time.sleep(self.rng.uniform(0.02, 0.15))
        if not self.soak.running:
            return
        if time.monotonic() - self.last_snapshot > self.rng.uniform(3, 12):
            self.last_snapshot = time.monotonic()
            return self.snapshot()
        r = self.rng.random()
        if r < 0.35:
            self.key_op()
        elif r < 0.9:
            self.board_op()
        else:
            self.reput()

    def snapshot(self):
        route = "/v1/admin/snapshot" if self.rng.random() < 0.7 else "/v1/admin/compact"
        inc, status, doc = self.call("POST", route)
        if status is None:
            self.unanswered(inc, f"POST {route}", doc, lambda: None, lambda: None)
        elif status == 200 or (status == 409 and doc.get("code") == "snapshot_in_progress"):
            self.soak.count("admin_ops")
            self.soak.ok()
        else:
            self.unexpected(f"POST {route}", status, doc)

    def key_op(self):
        keys = self.soak.keys
        live = [k for k in keys if k.alive and not k.unknown and not k.doubt and k is not self.soak.server_key]
        r = self.rng.random()
        if len(live) < 3 or (r < 0.35 and len(live) < 8):
            self.key_count += 1
            name = f"soak-k{self.key_count}"
            role = "admin" if self.rng.random() < 0.2 else "server"
            inc, status, doc = self.call("POST", "/v1/keys", {"name": name, "role": role})
            if status is None:
                # No secret: checked by name only, so not modelled (names are never reused).
                self.unanswered(inc, f"POST /v1/keys {name}", doc, lambda: None, lambda: None)
            elif status == 201 and str(doc.get("key", "")).startswith("pdk_") and doc.get("role") == role:
                keys.append(Key(name, doc["key"], role))
                self.soak.count("key_writes")
                self.soak.ok()
            else:
                self.unexpected(f"POST /v1/keys {name}", status, doc)
        elif r < 0.75:
            k = self.rng.choice(live)
            inc, status, doc = self.call("GET", "/v1/boards/soak-best", token=k.secret)
            if status is None:
                if not self.expected_errors(inc):
                    self.soak.fail("http", f"GET with key {k.name}: no answer: {doc}")
            elif status == 200:
                self.soak.count("reads")
                self.soak.ok()
            else:
                self.soak.fail("model", f"key {k.name} (acknowledged, not revoked): GET answered {status} {doc}")
        else:
            k = self.rng.choice(live)
            inc, status, doc = self.call("DELETE", f"/v1/keys/{k.name}")
            if status is None:
                self.unanswered(inc, f"DELETE /v1/keys/{k.name}", doc, lambda: k.doubt.append(False),
                                lambda: setattr(k, "unknown", True))
            elif status == 204:
                k.alive = False
                self.soak.count("key_writes")
                self.soak.ok()
                inc, status, doc = self.call("GET", "/v1/boards/soak-best", token=k.secret)
                if status is not None and status != 401:
                    self.soak.fail("model", f"key {k.name} revoked: GET answered {status} {doc}")
            else:
                self.unexpected(f"DELETE /v1/keys/{k.name}", status, doc)
                k.unknown = True

    def board_op(self):
        dyn = self.soak.dyn
        live = [d for d in dyn if d.confirmed[0] and d.clean]
        if len(live) < 2 or (self.rng.random() < 0.1 and len(live) < 5):
            self.board_count += 1
            cfg = self.rng.choice(DYN_CONFIGS)
            d = DynBoard(f"soak-dyn-{self.board_count}", cfg)
            dyn.append(d)
            return self.dyn_write(d, "PUT", f"/v1/boards/{d.name}", cfg, 201, (True, None, 0))
        d = self.rng.choice(live)
        exists, member, seasons = d.confirmed
        r = self.rng.random()
        d.ops += 1
        if d.ops > 40 and r < 0.3:
            return self.dyn_write(d, "DELETE", f"/v1/boards/{d.name}", None, 204, (False, None, 0))
        if r < 0.05 and seasons < 3:
            keep = (d.cfg.get("reset") or {}).get("keep") or 10
            return self.dyn_write(d, "POST", f"/v1/boards/{d.name}/reset", None, 200, (True, None, min(seasons + 1, keep)))
        if r < 0.15:
            inc, status, doc = self.call("GET", f"/v1/boards/{d.name}/members/{q(DYN_MEMBER)}")
            if status is None:
                if not self.expected_errors(inc):
                    self.soak.fail("http", f"GET {d.name} member: no answer: {doc}")
                return
            got = (float(doc["score"]), canon(doc.get("metadata"))) if status == 200 else None
            if got == member and status in (200, 404):
                self.soak.ok()
            else:
                self.soak.fail("model", f"GET {d.name}/members/{q(DYN_MEMBER)}: {status} {doc}, model {show(member)}")
            return
        score = self.rng.randint(1, 1000)
        new = (True, apply(d.cfg, member, score), seasons)
        self.dyn_write(d, "POST", f"/v1/boards/{d.name}/scores", {"member": DYN_MEMBER, "score": score}, 200, new)

    def dyn_write(self, d, method, path, body, expect, new):
        what = f"{method} {path}"
        inc, status, doc = self.call(method, path, body)
        if status is None:
            self.unanswered(inc, what, doc, lambda: d.doubt.append(new), lambda: setattr(d, "unknown", True))
            return
        if status != expect:
            self.unexpected(what, status, doc)
            d.unknown = True
            return
        if method == "POST" and path.endswith("/scores") and float(doc["score"]) != new[1][0]:
            self.soak.fail("model", f"{what}: answered {doc}, expected {show(new[1])}")
            new = (True, (float(doc["score"]), canon(doc.get("metadata"))), new[2])
        d.confirmed = new
        self.soak.count("board_writes")
        self.soak.ok()

    def reput(self):
        board, cfg = self.rng.choice(list(MAIN_BOARDS.items()))
        inc, status, doc = self.call("PUT", f"/v1/boards/{board}", cfg)
        if status is None:
            self.unanswered(inc, f"PUT {board} again", doc, lambda: None, lambda: None)
        elif status == 200:
            self.soak.ok()
        else:
            self.unexpected(f"PUT {board} with its config (idempotent)", status, doc)
        other = dict(cfg, order="asc" if cfg.get("order") == "desc" else "desc")
        inc, status, doc = self.call("PUT", f"/v1/boards/{board}", other)
        if status is None:
            self.unanswered(inc, f"PUT {board} with another config", doc, lambda: None, lambda: None)
        elif status == 409 and doc.get("code") == "board_config_conflict":
            self.soak.ok()
            self.soak.count("refused_as_expected")
        else:
            self.unexpected(f"PUT {board} with another config (must be refused)", status, doc)


class Reconnect(Exception):
    pass


class Subscriber(threading.Thread):
    """An unfiltered SSE stream of one main board, resumed with since= across kills."""

    def __init__(self, soak, board):
        super().__init__(name=f"sse-{board}", daemon=True)
        self.soak, self.board = soak, board
        self.last_seq = 0
        self.chain = {}
        self.chain_valid = True
        self.expect_gap = None  # (from, to): committed before a kill, never streamed
        self.replaying_gap = False

    def run(self):
        soak = self.soak
        while not soak.stopping:
            gen, inc = soak.stream_gen, soak.inc
            if inc is None or inc.down:
                soak.park_stream(self.name, gen)
                continue
            try:
                self.stream(inc)
            except Reconnect:
                continue
            except (OSError, http.client.HTTPException, ValueError) as error:
                if soak.stopping or inc.down or soak.inc is not inc:
                    if not soak.stopping:
                        soak.park_stream(self.name, gen)
                    continue
                soak.fail("events", f"{self.board}: stream failed while podiumd {inc.n} was up: {error!r}")
                time.sleep(0.5)
                continue
            except Exception as error:
                soak.fail("harness", f"{self.name}: {error!r}\n{traceback.format_exc()}")
                time.sleep(1)
                continue
            # The stream ended.
            if soak.stopping:
                break
            if not inc.down and soak.inc is inc:
                time.sleep(0.2)
                if not inc.down:
                    soak.warn(f"{self.board}: podiumd {inc.n} ended the stream while up (at seq {self.last_seq}); resuming")
                    continue
            soak.park_stream(self.name, gen)

    def stream(self, inc):
        conn = http.client.HTTPSConnection("127.0.0.1", inc.port, context=inc.ctx, timeout=30)
        try:
            conn.request("GET", f"/v1/boards/{self.board}/events?since={self.last_seq}",
                         headers={"Authorization": f"Bearer {self.soak.admin_key}", "Accept": "text/event-stream"})
            response = conn.getresponse()
            if response.status != 200:
                body = response.read()[:300]
                raise OSError(f"GET events: {response.status} {body!r}")
            fields, data = {}, []
            while True:
                line = response.readline()
                if not line:
                    return
                line = line.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if data:
                        self.handle(json.loads("\n".join(data)), fields.get("id"))
                    fields, data = {}, []
                    continue
                if line.startswith(":"):
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "data":
                    data.append(value)
                else:
                    fields[field] = value
        finally:
            conn.close()

    def handle(self, msg, event_id):
        soak = self.soak
        kind = msg.get("type")
        if kind == "lagged":
            lo, hi = msg.get("from"), msg.get("to")
            if self.expect_gap and (lo, hi) == self.expect_gap:
                # Committed before the kill, not streamed then, and not in the new
                # process's history: the verification read the board as of `hi`.
                self.last_seq, self.expect_gap = hi, None
                soak.ok()
                return
            if self.expect_gap is None and lo == self.last_seq + 1:
                # This subscriber fell behind: resume from the history, which must hold them.
                soak.count("overflow_reconnects")
                if self.replaying_gap:
                    soak.fail("events", f"{self.board}: events {lo}..{hi} lost: not in the history when resumed")
                    self.last_seq, self.chain_valid, self.replaying_gap = hi, False, False
                    return
                self.replaying_gap = True
                raise Reconnect()
            soak.fail("seq", f"{self.board}: lagged {lo}..{hi} after seq {self.last_seq}"
                             + (f" (expected the restart gap {self.expect_gap})" if self.expect_gap else ""))
            self.last_seq, self.chain_valid, self.expect_gap = max(self.last_seq, hi or 0), False, None
            return
        seq = msg.get("seq")
        if event_id != str(seq):
            soak.fail("events", f"{self.board}: SSE id {event_id!r} is not the seq of {msg}")
        if msg.get("board") != self.board or kind not in ("score_changed", "member_removed"):
            soak.fail("events", f"{self.board}: unexpected message {msg}")
            return
        self.replaying_gap = False
        in_gap = False
        if self.expect_gap:
            if seq == self.last_seq + 1 and seq <= self.expect_gap[1]:
                in_gap = True  # a history kept across the restart: fine, not checked against the chain
                if seq == self.expect_gap[1]:
                    self.expect_gap = None
            else:
                soak.fail("seq", f"{self.board}: after the restart, seq {seq} came without the lagged notice for "
                                 f"{self.expect_gap[0]}..{self.expect_gap[1]} (last seen {self.last_seq})")
                self.expect_gap = None
        if seq != self.last_seq + 1:
            soak.fail("seq", f"{self.board}: seq {seq} after {self.last_seq}"
                             + (" (reused)" if seq <= self.last_seq else f" (gap of {seq - self.last_seq - 1})"))
            self.chain_valid = False
        else:
            soak.ok()
        self.last_seq = max(self.last_seq, seq)
        soak.count("events")
        member = msg.get("member")
        cell = soak.cells.get((self.board, member))
        score = msg.get("score")
        if cell is None:
            soak.fail("phantom", f"{self.board}: event for a member nobody wrote: {msg}")
            return
        if kind == "score_changed" and float(score) not in cell.produced:
            soak.fail("phantom", f"{self.board}: event with a score no write produced for {member!r}: {msg}")
        if in_gap:
            self.chain[member] = None if score is None else float(score)
            return
        if self.chain_valid:
            prev = msg.get("previous_score")
            prev = None if prev is None else float(prev)
            if prev != self.chain.get(member):
                soak.fail("events", f"{self.board}: seq {seq} {member!r}: previous_score {prev}, but the stream "
                                    f"(and the board as verified) last had {self.chain.get(member)}")
        self.chain[member] = None if score is None else float(score)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--podiumd", required=True)
    parser.add_argument("--work", required=True, help="a new directory: data and logs go here")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--selftest", action="store_true",
                        help="cut the log after the first kill: acknowledged writes are lost and the run must fail")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2**31)
    soak = Soak(args)

    def terminate(signum, _frame):
        raise SystemExit(f"soak.py: signal {signum}")
    signal.signal(signal.SIGTERM, terminate)
    try:
        soak.run()
    except SystemExit as error:
        soak.fail("harness", f"stopped: {error}")
    except Exception as error:
        soak.fail("harness", f"{error!r}\n{traceback.format_exc()}")
    finally:
        soak.stopping = True
        soak.running = False
        inc = soak.inc
        if inc is not None and inc.proc.poll() is None:
            inc.proc.kill()
            inc.proc.wait()
    soak.report()
    return 0 if soak.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
