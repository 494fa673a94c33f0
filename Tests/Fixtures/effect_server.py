#!/usr/bin/env python3
"""A receiving side for qrun's end-to-end tests: an HTTP server on 127.0.0.1 that applies an
"effect" once per Idempotency-Key, the way a well-behaved provider API does, and counts every
request, so a test can prove each step's effect happened exactly once.

Routes (any method but GET applies an effect):
  /effect/NAME          apply the effect for the request's Idempotency-Key
  /slow/MS/NAME         apply the effect, then wait MS milliseconds before answering
                        (a kill during the wait leaves "effect done, answer lost")
  /flaky/N/NAME         answer 503 (Retry-After: 0) to the first N requests of a key, then apply
  /status/CODE/NAME     always answer CODE (no effect)
  /redirect/NAME        answer 302 to /effect/redirected (no effect)
  /ratelimit/S/NAME     answer 429 with Retry-After: S (no effect)
  /echo/NAME            apply, and answer with what was received (headers and body), also
                        base64-, hex- and URL-encoded, as a careless API might
  GET /stats            JSON: {"keys": {key: {"requests": n, "effects": n, "paths": [...]}}, "requests": total,
                               "unkeyed": n}
  POST /reset           forget everything
Prints "PORT <n>" on stdout when ready. Exits on SIGTERM.
"""
import base64
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"keys": {}, "requests": 0, "unkeyed": 0}


def reset():
    STATE["keys"] = {}
    STATE["requests"] = 0
    STATE["unkeyed"] = 0


class Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes; without TCP_NODELAY each answer waits ~40 ms
    # for a delayed ACK (Nagle), which is not how a real provider behaves.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep the test output quiet
        pass

    def reply(self, code, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                self.reply(200, STATE)
            return
        self.handle_effect()

    def do_POST(self):
        if self.path == "/reset":
            with LOCK:
                reset()
            self.reply(200, {"ok": True})
            return
        self.handle_effect()

    do_PUT = do_POST
    do_PATCH = do_POST
    do_DELETE = do_POST

    def handle_effect(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        key = self.headers.get("Idempotency-Key")
        parts = [p for p in self.path.split("/") if p]
        kind = parts[0] if parts else "effect"
        with LOCK:
            STATE["requests"] += 1
            if not key:
                STATE["unkeyed"] += 1
            entry = STATE["keys"].setdefault(key or "-", {"requests": 0, "effects": 0, "paths": []})
            entry["requests"] += 1
            if self.path not in entry["paths"]:
                entry["paths"].append(self.path)
            n = entry["requests"]
        if kind == "redirect":
            self.reply(302, {"moved": True}, {"Location": "/effect/redirected"})
            return
        if kind == "ratelimit":
            self.reply(429, {"error": "slow down"}, {"Retry-After": parts[1]})
            return
        if kind == "status":
            self.reply(int(parts[1]), {"error": "status %s as asked" % parts[1]})
            return
        if kind == "flaky" and n <= int(parts[1]):
            self.reply(503, {"error": "try again"}, {"Retry-After": "0"})
            return
        with LOCK:
            first = entry["effects"] == 0
            if first:
                entry["effects"] = 1
        if kind == "slow":
            time.sleep(int(parts[1]) / 1000.0)
        answer = {"applied": first, "replayed": not first, "key": key}
        if kind == "echo":
            received = json.dumps({"headers": dict(self.headers), "body": body.decode("utf-8", "replace")})
            answer["received"] = received
            answer["b64"] = base64.b64encode(received.encode()).decode()
            answer["hex"] = received.encode().hex()
            answer["url"] = urllib.parse.quote(received, safe="")
        self.reply(200 if first else 200, answer)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    main()
