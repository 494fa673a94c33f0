#!/usr/bin/env python3
"""Records every HTTP request it gets (a webhook receiver for tests), answering 200.

Usage: capture_receiver.py DIR
Each request N (from 1) is written as DIR/N.body (the raw body, byte for byte) and then
DIR/N.json ({"method", "path", "headers": [[name, value], ...]}), the .json last so a reader that
sees it finds the body complete. Prints "PORT <n>" once listening on 127.0.0.1 (a free port).
"""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

directory = sys.argv[1]
lock = threading.Lock()
count = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _record(self):
        global count
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            count += 1
            n = count
        with open(os.path.join(directory, f"{n}.body"), "wb") as f:
            f.write(body)
        meta = {"method": self.command, "path": self.path, "headers": [[k, v] for k, v in self.headers.items()]}
        tmp = os.path.join(directory, f"{n}.json.tmp")
        with open(tmp, "w") as f:
            json.dump(meta, f)
        os.rename(tmp, os.path.join(directory, f"{n}.json"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = _record
    do_PUT = _record
    do_GET = _record

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
