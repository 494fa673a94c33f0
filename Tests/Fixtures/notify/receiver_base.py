"""Shared plumbing for qrun's notification receivers (stdlib only).

Each receiver subclasses `ReceiverHandler`, implements `handle_post(path, headers, raw)` returning
(status, headers, body) and records effects in `STATE`. Control API (no auth):
  GET  /_fake/state                         the recorded requests and effects
  POST /_fake/reset                         forget everything
  POST /_fake/fault {"status": 503, "count": 1, "after_effect": false, "retry_after": 7, "body": "..."}
       the next `count` deliveries answer `status`; with after_effect the delivery is carried out
       first and only the answer is lost (the "crash between the call and the commit" case).
  POST /_fake/config {...}                  receiver-specific switches, merged into STATE["config"]
Prints `PORT <n>` once listening on 127.0.0.1 (port 0 by default).
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"requests": [], "effects": [], "faults": [], "config": {}}


def reset(extra=None):
    with LOCK:
        STATE.clear()
        STATE.update({"requests": [], "effects": [], "faults": [], "config": {}})
        if extra:
            STATE.update(extra)


class ReceiverHandler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per answer
    protocol_version = "HTTP/1.1"
    initial_state = None

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict(headers or {}, **{"Content-Type": "application/json"})
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path == "/_fake/state":
            with LOCK:
                return self.reply(200, json.loads(json.dumps(STATE)))
        self.reply(404, "not found")

    def do_POST(self):
        raw = self.body()
        if self.path == "/_fake/reset":
            reset(self.initial_state)
            return self.reply(200, {})
        if self.path == "/_fake/fault":
            with LOCK:
                STATE["faults"].append(json.loads(raw or b"{}"))
            return self.reply(200, {})
        if self.path == "/_fake/config":
            with LOCK:
                STATE["config"].update(json.loads(raw or b"{}"))
            return self.reply(200, {})
        with LOCK:
            STATE["requests"].append({"path": self.path, "headers": dict(self.headers), "body": raw.decode("utf-8", "replace")})
            fault = None
            if STATE["faults"]:
                fault = STATE["faults"][0]
                fault["count"] = fault.get("count", 1) - 1
                if fault["count"] <= 0:
                    STATE["faults"].pop(0)
        if fault and not fault.get("after_effect"):
            return self.fault_reply(fault)
        status, headers, body = self.handle_post(self.path, self.headers, raw)
        if fault:
            return self.fault_reply(fault)
        self.reply(status, body, headers)

    def fault_reply(self, fault):
        headers = {}
        if fault.get("retry_after") is not None:
            headers["Retry-After"] = fault["retry_after"]
        self.reply(fault.get("status", 503), fault.get("body", ""), headers)

    def handle_post(self, path, headers, raw):
        raise NotImplementedError


def serve(handler_class):
    reset(handler_class.initial_state)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()
