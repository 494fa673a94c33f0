#!/usr/bin/env python3
"""Fake OAuth 2.0 authorization server: RFC 7009 token revocation and RFC 7662 token
introspection, with RFC 6749 client authentication. Listens on 127.0.0.1 (free port), prints
"PORT <n>" when ready.

What it follows:
- RFC 7009 §2.1: POST /revoke, application/x-www-form-urlencoded, `token` (required) and
  `token_type_hint` (access_token | refresh_token; the server may ignore it and search all its
  tokens). The client authenticates as in RFC 6749 §2.3; the server checks that the token was
  issued to that client. Revoking a refresh token also revokes the access tokens of the same grant
  (§2.1 "SHOULD").
- RFC 7009 §2.2: HTTP 200 when the token was revoked *or the client sent an invalid token*
  (unknown, expired, already revoked): "the client itself is not able to handle such an error".
- RFC 7009 §2.2.1: error `unsupported_token_type` (400) when the server does not revoke that
  type of token; HTTP 503 with Retry-After when the service is temporarily unavailable.
- RFC 6749 §2.3.1: HTTP Basic with client_id and client_secret each form-urlencoded before
  base64, or client_id/client_secret in the body; a client MUST NOT use more than one method
  (400 invalid_request). §5.2: failed client authentication is 401 invalid_client (with
  WWW-Authenticate when Basic was used); errors are JSON {"error", "error_description"}.
- RFC 7662 §2.1/§2.2: POST /introspect with `token` and optional `token_type_hint`, caller
  authenticated; answer {"active": true, client_id, token_type, scope, exp} or {"active": false}.

Fixtures: confidential client `qrun-client` / secret `client-secret-value-xyz!&=`, public client
`public-client` (no secret), client `other-client` / `other-secret-1234`. Tokens:
  leaked-access-token-aaaa (access_token, qrun-client, grant g1)
  leaked-refresh-token-bbbb (refresh_token, qrun-client, grant g1)
  public-access-token-cccc (access_token, public-client, grant g2)
  other-access-token-dddd (access_token, other-client, grant g3)

Control API: GET /_fake/state; POST /_fake/reset; POST /_fake/fail?count=N&status=503&retry_after=S;
POST /_fake/ratelimit?retry_after=S; POST /_fake/config?unsupported=refresh_token (revoking that
type answers unsupported_token_type); POST /_fake/token?value=&type=&client=&grant= (issue a token).
"""
import base64
import copy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlparse

LOCK = threading.Lock()
CLIENTS = {"qrun-client": "client-secret-value-xyz!&=", "public-client": None, "other-client": "other-secret-1234"}
TOKENS = {
    "leaked-access-token-aaaa": {"type": "access_token", "client": "qrun-client", "grant": "g1"},
    "leaked-refresh-token-bbbb": {"type": "refresh_token", "client": "qrun-client", "grant": "g1"},
    "public-access-token-cccc": {"type": "access_token", "client": "public-client", "grant": "g2"},
    "other-access-token-dddd": {"type": "access_token", "client": "other-client", "grant": "g3"},
}


def fresh():
    return {"tokens": copy.deepcopy(TOKENS), "revoked": [], "revoke_requests": 0, "introspect_requests": 0,
            "effects": 0, "unsupported": [], "faults": [], "auth_methods": []}


S = fresh()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, error, description, headers=None):
        self.reply(code, {"error": error, "error_description": description}, headers)

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def route(self, method):
        url = urlparse(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        with LOCK:
            if url.path.startswith("/_fake/"):
                return self.control(url.path, parse_qs(url.query))
            for f in S["faults"]:
                if f["count"] > 0:
                    f["count"] -= 1
                    return self.reply(f["status"], {"error": "temporarily_unavailable"},
                                      {"Retry-After": str(f["retry_after"])})
            if url.path not in ("/revoke", "/introspect"):
                return self.reply(404, {"error": "not_found"})
            if method != "POST":
                return self.error(405, "invalid_request", "use POST")
            if not (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
                return self.error(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
            form = parse_qs(raw.decode(), keep_blank_values=True)
            client, failure = self.authenticate(form)
            if failure:
                return failure()
            token = form.get("token", [""])[0]
            if not token:
                return self.error(400, "invalid_request", "token is required")
            hint = form.get("token_type_hint", [None])[0]
            if url.path == "/revoke":
                return self.revoke(client, token, hint)
            return self.introspect(token)

    def authenticate(self, form):
        auth = self.headers.get("Authorization")
        body_id = form.get("client_id", [None])[0]
        body_secret = form.get("client_secret", [None])[0]
        if auth and (body_secret is not None):
            return None, lambda: self.error(400, "invalid_request", "more than one client authentication method")
        if auth:
            if not auth.startswith("Basic "):
                return None, lambda: self.error(401, "invalid_client", "unsupported authentication scheme",
                                                {"WWW-Authenticate": 'Basic realm="fake"'})
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return None, lambda: self.error(400, "invalid_request", "malformed Basic credentials")
            cid, secret = unquote_plus(user), unquote_plus(password)
            S["auth_methods"].append("basic")
            if CLIENTS.get(cid, "") != secret or CLIENTS.get(cid) is None:
                return None, lambda: self.error(401, "invalid_client", "client authentication failed",
                                                {"WWW-Authenticate": 'Basic realm="fake"'})
            return cid, None
        if body_id is None or body_id not in CLIENTS:
            return None, lambda: self.error(401, "invalid_client", "client authentication failed")
        S["auth_methods"].append("body")
        if CLIENTS[body_id] != body_secret:
            return None, lambda: self.error(401, "invalid_client", "client authentication failed")
        return body_id, None

    def revoke(self, client, token, hint):
        S["revoke_requests"] += 1
        t = S["tokens"].get(token)
        if t is None or token in S["revoked"]:
            return self.reply(200, {})
        if t["type"] in S["unsupported"]:
            return self.error(400, "unsupported_token_type", f"this server does not revoke {t['type']}s")
        if t["client"] != client:
            return self.error(400, "unauthorized_client", "the token was not issued to this client")
        gone = [token]
        if t["type"] == "refresh_token":
            gone += [v for v, o in S["tokens"].items() if o["grant"] == t["grant"] and v != token]
        for v in gone:
            if v not in S["revoked"]:
                S["revoked"].append(v)
        S["effects"] += 1
        return self.reply(200, {})

    def introspect(self, token):
        S["introspect_requests"] += 1
        t = S["tokens"].get(token)
        if t is None or token in S["revoked"]:
            return self.reply(200, {"active": False})
        return self.reply(200, {"active": True, "client_id": t["client"], "token_type": t["type"],
                                "scope": "openid", "exp": int(time.time()) + 3600})

    def control(self, path, q):
        global S
        one = lambda name, default=None: q.get(name, [default])[0]
        if path == "/_fake/state":
            return self.reply(200, {k: v for k, v in S.items() if k not in ("faults", "tokens")})
        if path == "/_fake/reset":
            S = fresh()
        elif path == "/_fake/fail":
            S["faults"].append({"count": int(one("count", "1")), "status": int(one("status", "503")),
                                "retry_after": int(one("retry_after", "0"))})
        elif path == "/_fake/ratelimit":
            S["faults"].append({"count": 1, "status": 429, "retry_after": int(one("retry_after", "1"))})
        elif path == "/_fake/config":
            S["unsupported"] = [t for t in (one("unsupported", "") or "").split(",") if t]
        elif path == "/_fake/token":
            S["tokens"][one("value")] = {"type": one("type", "access_token"), "client": one("client", "qrun-client"),
                                         "grant": one("grant", "g9")}
        else:
            return self.reply(404, {"error": "no such control"})
        return self.reply(200, {"ok": True})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
