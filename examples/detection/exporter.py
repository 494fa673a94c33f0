#!/usr/bin/env python3
"""A tiny Prometheus exporter of QPU job submissions per token (an example; Python 3 stdlib only).

It serves one counter on http://127.0.0.1:PORT/metrics (text exposition format 0.0.4):

    qrun_example_qpu_job_submissions_total{token_id="...", provider="..."}

Here the submissions are simulated: every token given with --token submits jobs at a steady rate
(its baseline), and a burst can be added for one token, at start (--burst) or while it runs:

    curl -X POST 'http://127.0.0.1:9464/burst?token_id=ApiKey-alpha&per_minute=600'
    curl -X POST 'http://127.0.0.1:9464/burst?token_id=ApiKey-alpha&per_minute=0'    # stop it
    curl -X POST 'http://127.0.0.1:9464/burst?token_id=ApiKey-alpha&count=500'       # 500 at once
    curl http://127.0.0.1:9464/state                                                  # JSON

In real life the counter comes from the provider's job API (e.g. IBM Quantum's job list or AWS
Braket's quantum tasks, counted per API key or access key id and polled every minute) or from a
proxy in front of it that counts each job submission by the credential that signed it. Keep the
metric name and the two labels, and the shipped rule works unchanged.

The first line printed is "PORT <n>" (useful with --port 0, which picks a free port).
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

METRIC = "qrun_example_qpu_job_submissions_total"
PROVIDERS = ("ibm-quantum", "braket", "azure-quantum")


class Token:
    """One token's simulated submissions: a steady rate, an optional extra (burst) rate."""

    def __init__(self, token_id, provider, per_minute):
        self.token_id = token_id
        self.provider = provider
        self.per_minute = per_minute
        self.burst_per_minute = 0.0
        self.submitted = 0.0

    def advance(self, seconds):
        self.submitted += (self.per_minute + self.burst_per_minute) * seconds / 60.0


class Submissions:
    """All tokens, advanced lazily by the monotonic clock on every read or change."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = {}
        self.last = time.monotonic()

    def _advance(self):
        now = time.monotonic()
        for token in self.tokens.values():
            token.advance(now - self.last)
        self.last = now

    def add(self, token_id, provider, per_minute):
        with self.lock:
            self._advance()
            self.tokens[token_id] = Token(token_id, provider, per_minute)

    def burst(self, token_id, per_minute=None, count=None):
        with self.lock:
            self._advance()
            token = self.tokens.get(token_id)
            if token is None:
                return None
            if per_minute is not None:
                token.burst_per_minute = per_minute
            if count is not None:
                token.submitted += count
            return self._state(token)

    def snapshot(self):
        with self.lock:
            self._advance()
            return [self._state(t) for t in sorted(self.tokens.values(), key=lambda t: t.token_id)]

    @staticmethod
    def _state(token):
        return {"token_id": token.token_id, "provider": token.provider, "per_minute": token.per_minute,
                "burst_per_minute": token.burst_per_minute, "submitted": int(token.submitted)}


def escape(value):
    """A label value as the text format wants it: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def exposition(states):
    lines = [f"# HELP {METRIC} QPU jobs submitted, per token (simulated by the qrun detection example).",
             f"# TYPE {METRIC} counter"]
    for s in states:
        lines.append(f'{METRIC}{{token_id="{escape(s["token_id"])}",provider="{escape(s["provider"])}"}} {s["submitted"]}')
    return ("\n".join(lines) + "\n").encode()


def make_handler(submissions):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status, body, content_type="application/json"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status, message):
            self._send(status, (json.dumps({"error": message}) + "\n").encode())

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/metrics":
                self._send(200, exposition(submissions.snapshot()), "text/plain; version=0.0.4; charset=utf-8")
            elif path == "/state":
                self._send(200, (json.dumps(submissions.snapshot()) + "\n").encode())
            else:
                self._error(404, "Not found: the exporter serves GET /metrics, GET /state and POST /burst.")

        def do_POST(self):
            parts = urlsplit(self.path)
            if parts.path != "/burst":
                self._error(404, "Not found: the exporter serves GET /metrics, GET /state and POST /burst.")
                return
            query = parse_qs(parts.query)
            token_id = query.get("token_id", [""])[0]
            try:
                per_minute = float(query["per_minute"][0]) if "per_minute" in query else None
                count = int(query["count"][0]) if "count" in query else None
            except ValueError:
                self._error(400, "per_minute must be a number and count a whole number.")
                return
            if per_minute is None and count is None:
                self._error(400, "Give per_minute (an extra rate, 0 to stop) or count (submissions at once).")
                return
            if (per_minute is not None and per_minute < 0) or (count is not None and count < 0):
                self._error(400, "per_minute and count cannot be negative (a counter only goes up).")
                return
            state = submissions.burst(token_id, per_minute, count)
            if state is None:
                self._error(404, f"No token {token_id!r}: start the exporter with --token {token_id}:PROVIDER:PER_MINUTE.")
                return
            self._send(200, (json.dumps(state) + "\n").encode())

        def log_message(self, *args):
            pass

    return Handler


def parse_token(text):
    parts = text.split(":")
    if len(parts) != 3 or not parts[0] or parts[1] not in PROVIDERS:
        raise argparse.ArgumentTypeError(f"expected TOKEN_ID:PROVIDER:PER_MINUTE with PROVIDER one of {', '.join(PROVIDERS)}, got {text!r}")
    try:
        rate = float(parts[2])
    except ValueError:
        raise argparse.ArgumentTypeError(f"the rate of {text!r} is not a number")
    if rate < 0:
        raise argparse.ArgumentTypeError(f"the rate of {text!r} is negative")
    return parts[0], parts[1], rate


def parse_burst(text):
    token_id, _, rate = text.rpartition(":")
    try:
        value = float(rate)
    except ValueError:
        value = -1
    if not token_id or value < 0:
        raise argparse.ArgumentTypeError(f"expected TOKEN_ID:PER_MINUTE, got {text!r}")
    return token_id, value


def main():
    parser = argparse.ArgumentParser(description="Example exporter of QPU job submissions per token.")
    parser.add_argument("--port", type=int, default=9464, help="port on 127.0.0.1 (0 picks a free one; default 9464)")
    parser.add_argument("--token", type=parse_token, action="append", metavar="ID:PROVIDER:PER_MINUTE",
                        help="a token and its steady submissions per minute (repeatable)")
    parser.add_argument("--burst", type=parse_burst, action="append", default=[], metavar="ID:PER_MINUTE",
                        help="extra submissions per minute for one token from the start (repeatable)")
    args = parser.parse_args()
    tokens = args.token or [("ApiKey-alpha", "ibm-quantum", 2.0), ("AKIAEXAMPLEBETA00001", "braket", 1.0)]
    submissions = Submissions()
    for token_id, provider, rate in tokens:
        submissions.add(token_id, provider, rate)
    for token_id, rate in args.burst:
        if submissions.burst(token_id, per_minute=rate) is None:
            parser.error(f"--burst names {token_id!r}, which no --token gives")
    try:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(submissions))
    except OSError as error:
        print(f"exporter: cannot listen on 127.0.0.1:{args.port}: {error.strerror}", file=sys.stderr)
        return 1
    port = server.server_address[1]
    print(f"PORT {port}", flush=True)
    print(f"exporter: serving http://127.0.0.1:{port}/metrics for {len(tokens)} token(s)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
