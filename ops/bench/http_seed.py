#!/usr/bin/env python3
"""Seeds the boards of ops/bench/http.sh (it is not run on its own).

  http_seed.py podium --url https://127.0.0.1:PORT --cacert CA --key KEY --members N [--spread]
      N members m0..m{N-1} with random scores on board `bench` (with --spread, whole
      scores (k * 618033) mod N: distinct, known to the client, and any run of members
      m0..mH spread evenly over the board, as podium-bench fanout expects), through
      POST /v1/boards/bench/scores/batch, 1000 entries a request over one keep-alive
      connection; fails unless every request and every entry in it succeeded.
  http_seed.py redis --members N
      The Redis protocol for the same on zset `bench`, to pipe into `redis-cli --pipe`:
      ZADD of 1000 members a command. Members are m + 12 digits (m000000000042), the
      names redis-benchmark makes of m__rand_int__ with -r N.
"""
import argparse
import http.client
import json
import random
import ssl
import sys
import urllib.parse

BATCH = 1000  # BoardRegistry.maxBatch
SPREAD_FACTOR = 618033  # podium-bench fanout's FanoutBenchmark.spreadFactor


def seed_podium(args):
    url = urllib.parse.urlsplit(args.url)
    context = ssl.create_default_context(cafile=args.cacert)
    connection = http.client.HTTPSConnection(url.hostname, url.port, context=context)
    headers = {"Authorization": f"Bearer {args.key}", "Content-Type": "application/json"}
    for start in range(0, args.members, BATCH):
        entries = ",".join(
            f'{{"member":"m{k}","score":{spread_score(k, args.members) if args.spread else f"{random.uniform(0, 1e6):.3f}"}}}'
            for k in range(start, min(start + BATCH, args.members)))
        connection.request("POST", "/v1/boards/bench/scores/batch", f'{{"entries":[{entries}]}}', headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            sys.exit(f"http_seed.py: batch at m{start}: HTTP {response.status}: {body[:300]!r}")
        # A batch answers 200 even when some entries fail: each result has its own error.
        failed = [r for r in json.loads(body)["results"] if r.get("error")]
        if failed:
            sys.exit(f"http_seed.py: batch at m{start}: {len(failed)} entries failed, first: {failed[0]}")
    connection.close()


def spread_score(k, members):
    """podium-bench fanout's `spreadScore`: distinct for every k < members when members
    shares no factor with 618033 = 3 * 13^2 * 23 * 53 (any 10^n does not)."""
    return (k * SPREAD_FACTOR) % members


def resp(*words):
    return "".join([f"*{len(words)}\r\n"] + [f"${len(w)}\r\n{w}\r\n" for w in words])


def seed_redis(args):
    out = sys.stdout
    for start in range(0, args.members, BATCH):
        words = ["ZADD", "bench"]
        for k in range(start, min(start + BATCH, args.members)):
            words += [f"{random.uniform(0, 1e6):.3f}", f"m{k:012d}"]
        out.write(resp(*words))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("target", choices=["podium", "redis"])
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--url")
    parser.add_argument("--cacert")
    parser.add_argument("--key")
    parser.add_argument("--spread", action="store_true")
    args = parser.parse_args()
    if args.target == "podium":
        if not (args.url and args.cacert and args.key):
            parser.error("podium needs --url, --cacert and --key")
        seed_podium(args)
    else:
        seed_redis(args)


if __name__ == "__main__":
    main()
