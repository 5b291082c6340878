#!/usr/bin/env python3
"""Checks podiumd's event streams (GET /v1/boards/{board}/events) against a live server.

Run by ops/ci/events.sh, which starts podiumd (with --event-history 8) and passes:

    events_check.py --url https://127.0.0.1:PORT --key ADMIN_KEY --ca DATA/tls/ca.pem \
        --schema Schemas/events.schema.json

1. A board with max_size 3 and three subscribers: an unfiltered SSE stream, an SSE stream
   with members= of two ids (one non-ASCII, one with a space and a slash) and an
   unfiltered WebSocket authenticated with access_token. Once /v1/admin/stats counts the
   three, writes that make every kind of change (new members, members moving up past the
   watched ones, max_size evictions, a removal, a reset that archives the season) and drop
   the board. Every message of every stream is validated against the schema; the
   unfiltered streams must carry the same gapless seqs 1..N (the same JSON, too), ending
   with board_dropped and then closing; the members= stream must get overtaken notices,
   the reset, and exactly the unfiltered stream's changes of its members.
2. Resuming: an SSE stream with Last-Event-ID: 2 on a board of 5 events gets 3, 4, 5.
3. Resuming from before the history kept (since=0 on a board of 12 events, 8 kept) gets a
   `lagged` notice (no SSE id) for 1..4, then 5..12, over SSE and over a WebSocket.

Prints a summary and exits 0, or prints every failure and exits 1. Bounded to ~60 s.
"""

import argparse
import asyncio
import json
import re
import ssl
import sys
import time
import urllib.parse

import httpx
from jsonschema import Draft202012Validator

try:  # websockets >= 13
    from websockets.asyncio.client import connect as ws_connect
except ImportError:  # websockets 12
    from websockets import connect as ws_connect

DEADLINE_SECONDS = 55
# Commit time, "RFC 3339 UTC to the millisecond" (the schema's description of `at`).
AT_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

MAX_SIZE = 3
WATCHED = ["José", "a b/c"]


class CheckFailed(Exception):
    """A failure that makes going on pointless."""


def q(text):
    return urllib.parse.quote(text, safe="")


class Checker:
    def __init__(self, args):
        self.base = args.url.rstrip("/")
        self.key = args.key
        self.ssl = ssl.create_default_context(cafile=args.ca)
        with open(args.schema, encoding="utf-8") as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
        self.validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        # type -> index of its branch in the top-level oneOf, for precise error messages.
        self.branches = {
            ref.get("$ref", "").rsplit("/", 1)[-1]: index for index, ref in enumerate(schema.get("oneOf", []))
        }
        self.failures = []
        self.validated = 0
        self.types_seen = set()
        self.notes = []
        self.http = httpx.AsyncClient(
            verify=self.ssl, timeout=httpx.Timeout(10.0), headers={"Authorization": f"Bearer {self.key}"}
        )

    def fail(self, message):
        self.failures.append(message)

    # --- messages -----------------------------------------------------------------

    def validate(self, stream, text):
        """Parses and validates one message; returns it (None when it isn't JSON)."""
        try:
            message = json.loads(text)
        except ValueError as error:
            self.fail(f"{stream}: not JSON ({error}): {text!r}")
            return None
        errors = list(self.validator.iter_errors(message))
        if errors:
            details = "; ".join(self.explain(e, message) for e in errors[:3])
            self.fail(f"{stream}: message breaks the schema ({details}): {text}")
        if isinstance(message, dict):
            kind = message.get("type")
            if kind == "member_removed":
                kind = f"member_removed/{message.get('reason')}"
            self.types_seen.add(kind)
            if "at" in message and not (isinstance(message["at"], str) and AT_PATTERN.match(message["at"])):
                self.fail(f"{stream}: `at` is not RFC 3339 UTC to the millisecond: {text}")
        self.validated += 1
        return message

    def explain(self, error, message):
        """What is wrong, in the oneOf branch the message's `type` names when there is one
        (the bare oneOf error says only "not valid under any of the given schemas")."""
        branch = self.branches.get(message.get("type")) if isinstance(message, dict) else None
        if error.validator == "oneOf" and branch is not None:
            inner = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] == branch]
            if inner:
                return "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in inner[:3])
        return f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"

    # --- HTTP ---------------------------------------------------------------------

    async def call(self, method, path, expect, body=None):
        response = await self.http.request(method, self.base + path, json=body)
        if response.status_code != expect:
            raise CheckFailed(f"{method} {path} {json.dumps(body) if body is not None else ''}: "
                              f"expected {expect}, got {response.status_code}: {response.text[:300]}")
        return response

    async def submit(self, board, member, score):
        await self.call("POST", f"/v1/boards/{board}/scores", 200, {"member": member, "score": score})

    async def wait_for_subscribers(self, board, count, timeout=10.0):
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            stats = (await self.call("GET", "/v1/admin/stats", 200)).json()
            seen = stats.get("events", {}).get("subscribers", {}).get(board, 0)
            if seen == count:
                return
            await asyncio.sleep(0.05)
        raise CheckFailed(f"/v1/admin/stats: {count} subscribers of {board} expected, still {seen} after {timeout:.0f}s")

    # --- streams ------------------------------------------------------------------

    async def read_sse(self, name, path, headers=None, limit=None, idle=20.0):
        """Reads an SSE stream to its end (or `limit` events); returns its events as
        (id or None, message). Checks the framing: `retry: 3000` first, `id:` = seq."""
        events = []
        blocks = 0
        url = self.base + path
        timeout = httpx.Timeout(10.0, read=idle)
        async with self.http.stream("GET", url, headers=headers or {}, timeout=timeout) as response:
            if response.status_code != 200:
                await response.aread()
                raise CheckFailed(f"{name}: GET {path}: expected 200, got {response.status_code}: {response.text[:300]}")
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                self.fail(f"{name}: content-type {response.headers.get('content-type')!r}, not text/event-stream")
            fields = {}
            data = []
            ended_by_drop = False
            async for line in response.aiter_lines():
                if line:
                    if line.startswith(":"):
                        fields.setdefault("comment", line)
                        continue
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "data":
                        data.append(value)
                    else:
                        fields[field] = value
                    continue
                if not fields and not data:
                    continue
                blocks += 1
                if blocks == 1 and (fields.get("retry") != "3000" or data):
                    self.fail(f"{name}: first block is not `retry: 3000`: {fields} {data}")
                if data:
                    if ended_by_drop:
                        self.fail(f"{name}: event after board_dropped: {data}")
                    message = self.validate(name, "\n".join(data))
                    event_id = fields.get("id")
                    if isinstance(message, dict):
                        if message.get("type") == "lagged":
                            if event_id is not None:
                                self.fail(f"{name}: lagged notice has an id line ({event_id})")
                        elif event_id != str(message.get("seq")):
                            self.fail(f"{name}: id {event_id!r} is not the seq of {message}")
                        events.append((event_id, message))
                        ended_by_drop = ended_by_drop or message.get("type") == "board_dropped"
                    if limit is not None and len(events) >= limit:
                        return events
                elif "comment" not in fields and "retry" not in fields:
                    self.fail(f"{name}: block with neither data nor comment: {fields}")
                fields, data = {}, []
            if fields or data:
                self.fail(f"{name}: stream ended inside a block: {fields} {data}")
        return events

    async def read_ws(self, name, path, limit=None):
        """Reads a WebSocket to its close (or `limit` messages); returns (messages, close code)."""
        url = "wss" + self.base[len("https"):] + path
        messages = []
        async with ws_connect(url, ssl=self.ssl, open_timeout=10, close_timeout=5) as ws:
            while True:
                try:
                    text = await asyncio.wait_for(ws.recv(), timeout=20)
                except asyncio.TimeoutError:
                    raise CheckFailed(f"{name}: nothing received for 20 s (after {len(messages)} messages)")
                except Exception as error:  # ConnectionClosed*: the stream's end
                    if type(error).__name__.startswith("ConnectionClosed"):
                        break
                    raise
                if not isinstance(text, str):
                    self.fail(f"{name}: binary message: {text[:100]!r}")
                    continue
                message = self.validate(name, text)
                if message is not None:
                    messages.append(message)
                if limit is not None and len(messages) >= limit:
                    return messages, None
            return messages, ws.close_code

    # --- the checks ---------------------------------------------------------------

    async def main_board(self):
        board = "events-check"
        await self.call("PUT", f"/v1/boards/{board}", 201, {"max_size": MAX_SIZE})
        path = f"/v1/boards/{board}/events"
        members_path = f"{path}?members={','.join(q(m) for m in WATCHED)}"
        ws_path = f"{path}?access_token={q(self.key)}"

        sse_all = asyncio.create_task(self.read_sse("SSE (all)", path))
        sse_members = asyncio.create_task(self.read_sse("SSE (members=)", members_path))
        ws_all = asyncio.create_task(self.read_ws("WebSocket (all)", ws_path))
        readers = [sse_all, sse_members, ws_all]
        try:
            await self.wait_for_subscribers(board, 3)
        except CheckFailed:
            for task in readers:
                if task.done() and task.exception():
                    raise CheckFailed(f"a stream failed before the writes: {task.exception()!r}")
            raise

        # Scores descend: higher is better. José and "a b/c" are watched.
        await self.submit(board, "José", 10)     # new, rank 1
        await self.submit(board, "a b/c", 20)    # new, rank 1: overtakes José
        await self.submit(board, "x", 5)         # new, rank 3
        await self.submit(board, "x", 30)        # 3 -> 1: overtakes both
        await self.submit(board, "y", 25)        # new, rank 2 on a full board: overtakes "a b/c", evicts José
        await self.submit(board, "y", 26)        # no rank change, nobody watched passed
        await self.submit(board, "z", 1)         # new, worse than all on a full board
        await self.submit(board, "José", 100)    # back at rank 1: overtakes all, evicts "a b/c"
        await self.submit(board, "x", 31)        # no rank change
        await self.call("DELETE", f"/v1/boards/{board}/members/{q('José')}", 204)
        await self.call("POST", f"/v1/boards/{board}/reset", 200)  # board_reset, to everyone
        await self.submit(board, "a b/c", 3)     # new on the empty live board
        await self.call("DELETE", f"/v1/boards/{board}", 204)

        results = await asyncio.gather(*[asyncio.wait_for(t, 25) for t in readers], return_exceptions=True)
        for name, result in zip(["SSE (all)", "SSE (members=)", "WebSocket (all)"], results):
            if isinstance(result, BaseException):
                raise CheckFailed(f"{name}: {result!r}" if not isinstance(result, CheckFailed) else str(result))
        sse_events, member_events, (ws_messages, ws_close) = results
        all_sse = [m for _, m in sse_events]

        # The unfiltered streams: gapless 1..N, the same on both, ending with the drop.
        for name, messages in [("SSE (all)", all_sse), ("WebSocket (all)", ws_messages)]:
            seqs = [m.get("seq") for m in messages]
            if seqs != list(range(1, len(seqs) + 1)):
                self.fail(f"{name}: seqs are not 1..N in order without gaps: {seqs}")
            if not messages or messages[-1].get("type") != "board_dropped":
                self.fail(f"{name}: does not end with board_dropped: {messages[-1:] }")
            kinds = {m.get("type") for m in messages}
            if kinds - {"score_changed", "member_removed", "board_reset", "board_dropped"}:
                self.fail(f"{name}: unexpected kinds for an unfiltered stream: {sorted(map(str, kinds))}")
            if any(m.get("board") != board for m in messages):
                self.fail(f"{name}: a message of another board")
        if all_sse != ws_messages:
            self.fail(f"SSE and WebSocket streams differ:\n  SSE: {all_sse}\n  WS:  {ws_messages}")
        if ws_close != 1000:
            self.fail(f"WebSocket (all): closed with {ws_close}, not 1000, after board_dropped")

        # Evictions: previous_rank is max_size + 1, where the newcomer pushed the member.
        for m in all_sse:
            if m.get("type") == "member_removed" and m.get("reason") == "evicted" and m.get("previous_rank") != MAX_SIZE + 1:
                self.fail(f"evicted member's previous_rank is not max_size + 1 = {MAX_SIZE + 1}: {m}")

        # The members= stream: exactly the unfiltered stream's changes of its members (same
        # JSON), the drop, and overtaken notices for its members only.
        watched = set(WATCHED)
        members = [m for _, m in member_events]
        overtaken = [m for m in members if m.get("type") == "overtaken"]
        changes = [m for m in members if m.get("type") != "overtaken"]
        expected = [m for m in all_sse if m.get("member") in watched or m.get("type") in ("board_reset", "board_dropped")]
        if changes != expected:
            self.fail(f"SSE (members=): changes are not the unfiltered stream's changes of {WATCHED}:\n"
                      f"  got:      {changes}\n  expected: {expected}")
        if not overtaken:
            self.fail("SSE (members=): no overtaken notice")
        for m in overtaken:
            if m.get("member") not in watched:
                self.fail(f"SSE (members=): overtaken notice for an unwatched member: {m}")
            cause = next((e for e in all_sse if e.get("seq") == m.get("seq")), None)
            if cause is None or cause.get("type") != "score_changed" or cause.get("member") != m.get("by"):
                self.fail(f"SSE (members=): overtaken notice {m} does not match the change of its seq: {cause}")
        seqs = [m.get("seq") for m in members]
        if seqs != sorted(seqs):
            self.fail(f"SSE (members=): seqs out of order: {seqs}")
        if not members or members[-1].get("type") != "board_dropped":
            self.fail(f"SSE (members=): does not end with board_dropped: {members[-1:]}")
        overtaken_pairs = sorted({(m["member"], m["by"]) for m in overtaken if "member" in m and "by" in m})
        self.notes.append(
            f"board {board}: {len(all_sse)} events (seq 1..{len(all_sse)}) identical on SSE and WebSocket "
            f"(closed {ws_close}); members= got {len(changes)} changes + {len(overtaken)} overtaken "
            f"({', '.join(f'{b} passed {a}' for a, b in overtaken_pairs)})")

    async def resume(self):
        board = "events-resume"
        await self.call("PUT", f"/v1/boards/{board}", 201, {})
        for i in range(5):
            await self.submit(board, f"m{i}", i)
        events = await self.read_sse("SSE (Last-Event-ID: 2)", f"/v1/boards/{board}/events",
                                     headers={"Last-Event-ID": "2"}, limit=3, idle=10)
        seqs = [m.get("seq") for _, m in events]
        if seqs != [3, 4, 5]:
            self.fail(f"SSE with Last-Event-ID: 2 got seqs {seqs} first, not [3, 4, 5]")
        self.notes.append(f"Last-Event-ID: 2 resumed with {seqs}")
        await self.call("DELETE", f"/v1/boards/{board}", 204)

    async def lagged(self):
        board = "events-lag"
        await self.call("PUT", f"/v1/boards/{board}", 201, {})
        for i in range(12):
            await self.submit(board, f"m{i}", i)
        expected = [("lagged", 1, 4)] + [("score_changed", s, None) for s in range(5, 13)]

        def shape(m):
            return (m.get("type"), m.get("from"), m.get("to")) if m.get("type") == "lagged" else (m.get("type"), m.get("seq"), None)

        events = await self.read_sse("SSE (since=0, lagged)", f"/v1/boards/{board}/events?since=0", limit=9, idle=10)
        got = [shape(m) for _, m in events]
        if got != expected:
            self.fail(f"SSE since=0 past the history of 8: got {got}, expected {expected}")
        messages, _ = await self.read_ws("WebSocket (since=0, lagged)",
                                         f"/v1/boards/{board}/events?since=0&access_token={q(self.key)}", limit=9)
        got = [shape(m) for m in messages]
        if got != expected:
            self.fail(f"WebSocket since=0 past the history of 8: got {got}, expected {expected}")
        self.notes.append("since=0 past the history: lagged 1..4, then 5..12 (SSE and WebSocket)")
        await self.call("DELETE", f"/v1/boards/{board}", 204)

    async def run(self):
        try:
            await self.main_board()
            await self.resume()
            await self.lagged()
        finally:
            await self.http.aclose()
        wanted = {"score_changed", "member_removed/removed", "member_removed/evicted", "board_reset", "board_dropped", "overtaken", "lagged"}
        if wanted - self.types_seen:
            self.fail(f"never seen: {sorted(wanted - self.types_seen)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="https://HOST:PORT of podiumd")
    parser.add_argument("--key", required=True, help="the admin key")
    parser.add_argument("--ca", required=True, help="the CA certificate podiumd's certificate chains to")
    parser.add_argument("--schema", required=True, help="Schemas/events.schema.json")
    args = parser.parse_args()

    started = time.monotonic()
    checker = Checker(args)
    try:
        asyncio.run(asyncio.wait_for(checker.run(), DEADLINE_SECONDS))
    except CheckFailed as error:
        checker.fail(str(error))
    except asyncio.TimeoutError:
        checker.fail(f"did not finish within {DEADLINE_SECONDS} s")
    except Exception as error:  # anything unexpected is a failure, with what it was
        checker.fail(f"unexpected error: {error!r}")

    elapsed = time.monotonic() - started
    if checker.failures:
        print(f"events check FAILED ({len(checker.failures)} problems, {checker.validated} messages read, {elapsed:.1f} s):")
        for failure in checker.failures:
            print(f"  - {failure}")
        return 1
    print(f"{checker.validated} messages validated against the schema "
          f"(types: {', '.join(sorted(checker.types_seen))}), {elapsed:.1f} s")
    for note in checker.notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
