#!/usr/bin/env python3
"""A local HTTP server that misbehaves on purpose, for the limits of qrun's outgoing HTTP.

    http_limits_server.py [--host 127.0.0.1|::1]

Prints `PORT <n>` when ready. Routes (GET or POST):
  /hello             200 JSON {"host": <Host header>, "path": <path>}
  /big/<n>           200 with Content-Length n, n bytes of 'x' written as fast as possible
  /big-chunked/<n>   the same with chunked transfer encoding (no length announced)
  /big-paced/<n>     n bytes at about 100 MB/s, faster than any provider over a network, slower
                     than loopback (where libcurl outruns URLSession's cancellation)
  /trickle-body/<id> 200 announcing 10 MB, then one byte every 0.2 s
  /trickle-head/<id> the status line and headers themselves, one byte every 0.2 s
  /basic-401         401 with WWW-Authenticate: Basic (what an OAuth server answers a wrong client secret)
  /hangup/<id>       {"seconds": s}: how long after the request the client of trickle <id> hung
                     up (404 while it has not), measured here, independent of the client's clock
A trickle stops after 30 s so that a client without a deadline still ends (and fails its test)
instead of hanging the suite.
"""
import json
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TRICKLE_LIMIT = 30.0
CHUNK = b"x" * 65536
HANGUPS = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            # The client hung up on purpose (a cap or a deadline): nothing to answer.
            self.close_connection = True

    def do_POST(self):
        # The request body is read and ignored: every route answers the same to GET and POST.
        self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))
        self.do_GET()

    def route(self):
        parts = self.path.strip("/").split("/")
        if parts[0] == "hangup" and len(parts) == 2:
            if parts[1] not in HANGUPS:
                self.send_error(404)
                return
            self.json({"seconds": HANGUPS[parts[1]]})
        elif parts[0] == "basic-401":
            body = b'{"error":"invalid_client"}'
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="qrun-test"')
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif parts[0] == "hello":
            self.json({"host": self.headers.get("Host", ""), "path": self.path})
        elif parts[0] in ("big", "big-chunked", "big-paced") and len(parts) == 2:
            self.big(int(parts[1]), chunked=parts[0] == "big-chunked", paced=parts[0] == "big-paced")
        elif parts[0] == "trickle-body":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(10_000_000))
            self.end_headers()
            self.wfile.flush()
            self.trickle(b"y" * 10_000_000, parts[1:])
        elif parts[0] == "trickle-head":
            self.trickle(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Padding: " + b"p" * 10_000, parts[1:])
        else:
            self.send_error(404)

    def big(self, n, chunked, paced=False):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(n))
        self.end_headers()
        left = n
        while left > 0:
            piece = CHUNK[:min(left, len(CHUNK))]
            if chunked:
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            else:
                self.wfile.write(piece)
            left -= len(piece)
            if paced and left % (1 << 20) < len(CHUNK):
                time.sleep(0.01)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def json(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def trickle(self, data, ident):
        start = time.monotonic()
        try:
            for i in range(len(data)):
                if time.monotonic() - start > TRICKLE_LIMIT:
                    break
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            if ident:
                HANGUPS[ident[0]] = time.monotonic() - start
            raise
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True


def main():
    host = "127.0.0.1"
    if len(sys.argv) == 3 and sys.argv[1] == "--host":
        host = sys.argv[2]
    Server.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = Server((host, 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
