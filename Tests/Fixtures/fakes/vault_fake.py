#!/usr/bin/env python3
"""A fake HashiCorp Vault (HTTP API v1) for qrun's Vault action tests: exactly the endpoints the
actions and VaultSecretSource use, with token and policy checks.

Sources followed (request and response shapes, status codes, error bodies):
- hashicorp/vault vault/token_store.go: auth/token/create and create-orphan (fields `policies`,
  `meta`, `ttl`, `explicit_max_ttl`, `num_uses`, `display_name`, `renewable`, `no_default_policy`;
  "child policies must be subset of parent"; "restricted use token cannot generate child
  tokens"), lookup-self, lookup-accessor (unknown accessor: 400 "invalid accessor"; the id is
  blanked), revoke-accessor. Since PR #13661 (Vault 1.10) revoke-accessor of an unknown or
  already revoked accessor answers 200 with the warning "No token found with this accessor";
  before it, 400 {"errors":["1 error occurred:\\n\\t* invalid accessor\\n\\n"]} (issue #9636).
  POST /_fake/config {"legacy_revoke_accessor": true} switches to the old behaviour.
- hashicorp/vault vault/logical_system.go handleCapabilities: POST sys/capabilities-self with
  `paths`; the answer maps each path to its capabilities (["deny"] when none, ["root"] for
  root), plus `capabilities` when one path was asked; sys responses repeat `data` at top level.
- hashicorp/vault-plugin-secrets-kv path_data.go / path_metadata.go: GET/POST
  MOUNT/data/PATH (`?version=N`, body `data` + `options.cas`; "check-and-set parameter did not
  match the current version", "check-and-set parameter required for this call", "no data
  provided"; the write answers the new version's metadata), GET/POST MOUNT/metadata/PATH
  (custom_metadata replaced as a whole; at most 64 keys, key length 1..128, value 1..512;
  answers 204), missing secret or version: 404 {"errors":[]}.
- Vault API docs, sys/leases: PUT sys/leases/revoke-prefix/:prefix (sudo), LIST
  sys/leases/lookup/:prefix (sudo; `GET ?list=true` as the CLI sends it).
- Forbidden requests (no, unknown, expired or revoked token; missing capability):
  403 {"errors":["permission denied"]}. Rate limit quota: 429 with Retry-After. Sealed: 503.
- Headers: X-Vault-Token (required), X-Vault-Namespace (recorded in the request log).

Control API (no token needed):
  GET  /_fake/state                    tokens (by accessor), KV, leases, counters, request log
  POST /_fake/reset                    back to the initial state
  POST /_fake/policies {"name","rules": {path: [caps]}}
  POST /_fake/tokens   {"policies","ttl","num_uses","meta","id"?} -> {"token","accessor"}
  POST /_fake/kv       {"mount","path","data"}          write one version (no CAS)
  POST /_fake/leases   {"ids": [...]}
  POST /_fake/fault    {"status": 503, "count": 1, "match": "/data/", "method": "POST",
                        "after_effect": false, "retry_after": 7}
                       answer `status` to the next `count` matching requests; with
                       after_effect the request is carried out first and only the answer is
                       replaced (an effect whose answer was lost)
  POST /_fake/config   {"legacy_revoke_accessor": bool}
Usage: vault_fake.py [--root-token T] [--kv-mount secret]... Prints "PORT <n>" when ready.
"""
import json
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from vault_fake_state import State
import vault_fake_routes as routes

LOCK = threading.Lock()


def parse_args(argv):
    root, mounts, i = "root-token-for-tests", [], 0
    while i < len(argv):
        if argv[i] == "--root-token":
            root = argv[i + 1]
            i += 2
        elif argv[i] == "--kv-mount":
            mounts.append(argv[i + 1])
            i += 2
        else:
            raise SystemExit("unknown argument " + argv[i])
    return root, mounts or ["secret"]


class Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes; without TCP_NODELAY each answer waits ~40 ms
    # for a delayed ACK (Nagle), which is not how a real provider behaves.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, body, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_LIST(self):
        self.dispatch("LIST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        path = urllib.parse.unquote(url.path)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            self.send_json(400, {"errors": ["failed to parse JSON input: invalid character"]})
            return
        if method == "GET" and query.get("list") == "true":
            method = "LIST"
        with LOCK:
            st = self.state
            if path.startswith("/_fake/"):
                status, out = routes.control(st, method, path[len("/_fake/"):], body)
                self.send_json(status, out)
                return
            fault = self.take_fault(st, method, path)
            if fault and not fault.get("after_effect"):
                st.log.append({"method": method, "path": path, "status": fault["status"], "fault": True})
                self.send_fault(fault)
                return
            status, out, headers = routes.handle(st, method, path, query, body,
                                                 self.headers.get("X-Vault-Token"))
            st.log.append({"method": method, "path": path, "status": status,
                           "namespace": self.headers.get("X-Vault-Namespace")})
        if fault:
            self.send_fault(fault)
            return
        if isinstance(out, dict) and status == 200 and "request_id" not in out and "errors" not in out:
            out = envelope(out)
        self.send_json(status, out, headers)

    @staticmethod
    def take_fault(st, method, path):
        for f in st.faults:
            if f["count"] > 0 and f.get("match", "") in path and f.get("method", method) == method:
                f["count"] -= 1
                return f
        return None

    def send_fault(self, f):
        status = f["status"]
        headers = {}
        if f.get("retry_after") is not None:
            headers["Retry-After"] = str(f["retry_after"])
        if status == 429:
            body = {"errors": ["request path \"%s\": rate limit quota exceeded" % self.path.split("?")[0][4:]]}
        elif status == 503:
            body = {"errors": ["Vault is sealed"]}
        else:
            body = {"errors": ["injected failure"]}
        self.send_json(status, body, headers)


def envelope(parts):
    out = {"request_id": str(uuid.uuid4()), "lease_id": "", "renewable": False, "lease_duration": 0,
           "data": None, "wrap_info": None, "warnings": None, "auth": None, "mount_type": ""}
    out.update(parts)
    return out


def main():
    root, mounts = parse_args(sys.argv[1:])
    Handler.state = State(root, mounts)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
