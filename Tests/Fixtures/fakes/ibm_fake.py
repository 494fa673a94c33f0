#!/usr/bin/env python3
"""Fake IBM Cloud IAM (token exchange, IAM Identity API keys) and IBM Quantum Runtime jobs API,
for qrun's provider tests. Listens on 127.0.0.1 (free port), prints "PORT <n>" when ready.

What it follows (looked up, not guessed):
- Token exchange: POST /identity/token, Content-Type application/x-www-form-urlencoded,
  grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=KEY; answer {access_token,
  refresh_token, token_type "Bearer", expires_in 3600, expiration, scope} (IBM Cloud docs
  "Generating an IBM Cloud IAM token by using an API key", topic iam-iamtoken_from_apikey:
  "An access token is a temporary credential that expires after no more than 1 hour").
  An unknown key answers HTTP 400 {"errorCode":"BXNIM0415E","errorMessage":"Provided API key
  could not be found."} (as recorded from the live service in several public clients). The docs
  do not give the answer for a *disabled* key; the fake answers it like an unknown key.
- IAM Identity API keys (IBM platform-services SDKs, APIKeysApi docs): GET /v1/apikeys/{id},
  POST /v1/apikeys/{id}/lock, DELETE /v1/apikeys/{id}/lock (unlock), POST /v1/apikeys/{id}/disable,
  DELETE /v1/apikeys/{id}/disable (enable; there is no /enable path), DELETE /v1/apikeys/{id}.
  Writes answer 204 with an empty body. "Deletes an API key. Existing tokens will remain valid
  until expired." ApiKey JSON: id, entity_tag, crn, locked ("The API key cannot be changed if set
  to true"), disabled, created_at, created_by, modified_at, name, description, iam_id, account_id.
  Errors: {"errorCode","errorMessage","context":{"requestId",...}}; a missing Authorization header
  is BXNIM0308E "No authorization header found" (SDK docs). Other BXNIM codes below are
  placeholders in IBM's format: the docs do not list them. Changing a locked key answers 409.
- Quantum Runtime (Qiskit Runtime REST API, quantum.cloud.ibm.com/api, and qiskit-ibm-runtime's
  rest/runtime.py + rest/program_job.py): GET /api/v1/jobs with limit (1..200, default 200; out of
  range silently uses the default), offset, pending (true: Queued and Running; false: Completed,
  Cancelled, Failed), program, backend, created_after, created_before, sort ASC|DESC (default
  DESC), tags (repeated; a job must carry all), session_id; answer {jobs, count, offset, limit}.
  GET /api/v1/jobs/{id}. POST /api/v1/jobs/{id}/cancel -> 204; 409 "Job is in non cancellable
  status."; 404 unknown. Headers: Authorization: Bearer, Service-CRN, IBM-API-Version.
  Errors: ErrorContainer {"errors":[{"code","message","more_info"}],"trace"}.

Fixtures (fresh per process):
  caller keys   admin-apikey-0123456789abcdef  (ApiKey-admin, may read and write)
                viewer-apikey-0123456789abcdef (ApiKey-viewer, may only read: writes answer 403)
  target keys   ApiKey-leaked-1 (value leaked-apikey-value-1111), ApiKey-leaked-2 (…-2222),
                ApiKey-locked (locked), ApiKey-foreign (account acct-2)
  instance CRN  crn:v1:bluemix:public:quantum-computing:us-east:a/acct-1:instance-1::
  jobs          see JOBS below

Control API (not IBM's):
  GET  /_fake/state                 counters, keys (without values), jobs, write log
  POST /_fake/reset                 back to the fixtures
  POST /_fake/fail?count=N&status=503&retry_after=S&path=PREFIX   fail the next N matching requests
  POST /_fake/ratelimit?retry_after=S&path=PREFIX                 answer 429 once
  POST /_fake/config?expires_in=N   lifetime of tokens issued from now on
  POST /_fake/expire_tokens         every issued token becomes invalid (answers 401)
  POST /_fake/race?job=ID           the job completes just before its next cancel request
  POST /_fake/add_job?id=&status=&backend=&created=&tags=a,b&session=&program=
  POST /_fake/add_jobs?count=N&prefix=P&backend=B&created=T   N queued jobs P-0000…
"""
import base64
import copy
import json
import secrets
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LOCK = threading.Lock()
ACCOUNT = "acct-1"
INSTANCE_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/acct-1:instance-1::"
GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def key(kid, value, iam_id, account=ACCOUNT, locked=False, disabled=False):
    return {"id": kid, "value": value, "name": kid.lower(), "description": "fixture", "iam_id": iam_id,
            "account_id": account, "locked": locked, "disabled": disabled, "entity_tag": "1-0",
            "crn": f"crn:v1:bluemix:public:iam-identity::a/{account}::apikey:{kid}",
            "created_by": iam_id, "created_at": "2026-01-01T00:00+0000", "modified_at": "2026-01-01T00:00+0000"}


KEYS = {k["id"]: k for k in [
    key("ApiKey-admin", "admin-apikey-0123456789abcdef", "iam-ServiceId-admin"),
    key("ApiKey-viewer", "viewer-apikey-0123456789abcdef", "iam-ServiceId-viewer"),
    key("ApiKey-leaked-1", "leaked-apikey-value-1111", "iam-ServiceId-quantum-ci"),
    key("ApiKey-leaked-2", "leaked-apikey-value-2222", "iam-ServiceId-quantum-ci"),
    key("ApiKey-locked", "locked-apikey-value-3333", "iam-ServiceId-quantum-ci", locked=True),
    key("ApiKey-foreign", "foreign-apikey-value-4444", "iam-ServiceId-elsewhere", account="acct-2"),
]}
WRITERS = {"iam-ServiceId-admin", "iam-ServiceId-quantum-ci"}


def job(jid, status, backend, created, tags=(), session=None, program="sampler"):
    return {"id": jid, "backend": backend, "status": status, "state": {"status": status},
            "program": {"id": program}, "created": created, "tags": list(tags), "session_id": session,
            "cost": 600, "user_id": "user-1"}


JOBS = [
    job("job-q1", "Queued", "ibm_fez", "2026-01-10T10:00:00Z", ["leak"], "sess-1", "sampler"),
    job("job-r1", "Running", "ibm_torino", "2026-01-10T11:00:00Z", ["leak", "nightly"], None, "estimator"),
    job("job-q2", "Queued", "ibm_torino", "2026-01-10T12:00:00Z", [], "sess-1", "sampler"),
    job("job-c1", "Completed", "ibm_fez", "2026-01-10T09:00:00Z", ["leak"]),
    job("job-x1", "Cancelled", "ibm_fez", "2026-01-10T08:00:00Z"),
    job("job-old", "Queued", "ibm_fez", "2025-12-01T00:00:00Z", ["leak"]),
]


def fresh():
    return {"keys": copy.deepcopy(KEYS), "jobs": copy.deepcopy(JOBS), "tokens": {}, "expires_in": 3600,
            "faults": [], "races": set(), "writes": [], "effects": 0, "token_requests": 0,
            "token_failures": 0, "requests": 0, "unauthorized": 0}


S = fresh()


def b64url(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def parse_time(text):
    t = text.strip().replace("Z", "+00:00")
    if t.endswith("+0000"):
        t = t[:-5] + "+00:00"
    d = datetime.fromisoformat(t)
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def public_key(k):
    return {f: k[f] for f in k if f != "value"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def iam_error(self, code, error_code, message, headers=None):
        self.reply(code, {"errorCode": error_code, "errorMessage": message,
                          "context": {"requestId": secrets.token_hex(8), "requestType": "incoming.Identity_Token"
                                      if self.path.startswith("/identity") else "incoming.ApiKey",
                                      "url": "https://iam.cloud.ibm.com", "startTime": time.strftime("%d.%m.%Y %H:%M:%S UTC")}},
                   headers)

    def quantum_error(self, code, error_code, message):
        self.reply(code, {"errors": [{"code": error_code, "message": message,
                                      "more_info": "https://quantum.cloud.ibm.com/docs/api/errors"}],
                          "trace": secrets.token_hex(8)})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        global S
        url = urlparse(self.path)
        q = parse_qs(url.query)
        raw = self.body()
        with LOCK:
            if url.path.startswith("/_fake/"):
                return self.control(method, url.path, q)
            S["requests"] += 1
            for f in S["faults"]:
                if f["count"] > 0 and url.path.startswith(f["path"]):
                    f["count"] -= 1
                    body = {"errorCode": "BXNIM0001E", "errorMessage": "injected failure"}
                    return self.reply(f["status"], body, {"Retry-After": str(f["retry_after"])})
            if url.path == "/identity/token":
                return self.token(method, raw)
            if url.path.startswith("/v1/apikeys/"):
                return self.apikeys(method, url.path)
            if url.path.startswith("/api/v1/jobs"):
                return self.jobs(method, url.path, q)
            return self.reply(404, {"error": "no such route"})

    # --- control -------------------------------------------------------------------------------
    def control(self, method, path, q):
        global S
        one = lambda name, default=None: q.get(name, [default])[0]
        if path == "/_fake/state":
            state = {k: v for k, v in S.items() if k not in ("tokens", "races", "faults", "keys")}
            state["keys"] = {i: public_key(k) for i, k in S["keys"].items()}
            state["tokens_issued"] = len(S["tokens"])
            return self.reply(200, state)
        if path == "/_fake/reset":
            S = fresh()
        elif path == "/_fake/fail":
            S["faults"].append({"count": int(one("count", "1")), "status": int(one("status", "503")),
                                "retry_after": int(one("retry_after", "0")), "path": one("path", "/")})
        elif path == "/_fake/ratelimit":
            S["faults"].append({"count": 1, "status": 429, "retry_after": int(one("retry_after", "1")),
                                "path": one("path", "/")})
        elif path == "/_fake/config":
            S["expires_in"] = int(one("expires_in", "3600"))
        elif path == "/_fake/expire_tokens":
            for t in S["tokens"].values():
                t["exp"] = 0
        elif path == "/_fake/race":
            S["races"].add(one("job"))
        elif path == "/_fake/add_job":
            tags = [t for t in (one("tags", "") or "").split(",") if t]
            S["jobs"].append(job(one("id"), one("status", "Queued"), one("backend", "ibm_fez"),
                                 one("created", "2026-01-10T13:00:00Z"), tags, one("session"), one("program", "sampler")))
        elif path == "/_fake/add_jobs":
            for i in range(int(one("count", "1"))):
                S["jobs"].append(job(f"{one('prefix', 'bulk')}-{i:04d}", "Queued", one("backend", "ibm_bulk"),
                                     one("created", "2026-01-11T00:00:00Z"), [], None, "sampler"))
        else:
            return self.reply(404, {"error": "no such control"})
        return self.reply(200, {"ok": True})

    # --- token exchange ------------------------------------------------------------------------
    def token(self, method, raw):
        S["token_requests"] += 1
        if method != "POST":
            return self.iam_error(405, "BXNIM0104E", "Method not allowed.")
        if not (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
            S["token_failures"] += 1
            return self.iam_error(400, "BXNIM0109E", "Content-Type must be application/x-www-form-urlencoded.")
        form = parse_qs(raw.decode(), keep_blank_values=True)
        if form.get("grant_type", [""])[0] != GRANT:
            S["token_failures"] += 1
            return self.iam_error(400, "BXNIM0103E", "Unsupported grant_type.")
        value = form.get("apikey", [""])[0]
        if not value:
            S["token_failures"] += 1
            return self.iam_error(400, "BXNIM0109E", "Property missing or empty: apikey.")
        k = next((k for k in S["keys"].values() if k["value"] == value), None)
        if k is None or k["disabled"]:
            S["token_failures"] += 1
            return self.iam_error(400, "BXNIM0415E", "Provided API key could not be found.")
        now = int(time.time())
        claims = {"iam_id": k["iam_id"], "id": k["iam_id"], "sub": k["iam_id"], "account": {"bss": k["account_id"]},
                  "iat": now, "exp": now + S["expires_in"], "grant_type": GRANT, "scope": "ibm openid"}
        token = f"{b64url({'kid': 'fake', 'alg': 'RS256'})}.{b64url(claims)}.{secrets.token_urlsafe(16)}"
        S["tokens"][token] = {"iam_id": k["iam_id"], "account": k["account_id"], "exp": now + S["expires_in"]}
        return self.reply(200, {"access_token": token, "refresh_token": "not_supported", "token_type": "Bearer",
                                "expires_in": S["expires_in"], "expiration": now + S["expires_in"], "scope": "ibm openid"})

    def caller(self):
        auth = self.headers.get("Authorization")
        if not auth:
            return None, "missing"
        if not auth.startswith("Bearer "):
            return None, "invalid"
        t = S["tokens"].get(auth[7:])
        if t is None or t["exp"] <= time.time():
            return None, "invalid"
        return t, None

    # --- IAM Identity: API keys ----------------------------------------------------------------
    def apikeys(self, method, path):
        who, problem = self.caller()
        if problem == "missing":
            S["unauthorized"] += 1
            return self.iam_error(401, "BXNIM0308E", "No authorization header found")
        if problem:
            S["unauthorized"] += 1
            return self.iam_error(401, "BXNIM0302E", "Provided token is invalid or expired.")
        parts = path.split("/")[3:]  # [id] or [id, lock|disable]
        kid = parts[0]
        sub = parts[1] if len(parts) > 1 else None
        k = S["keys"].get(kid)
        if k is None:
            return self.iam_error(404, "BXNIM0500E", f"API key with id {kid} not found.")
        if method == "GET" and sub is None:
            return self.reply(200, public_key(k))
        if who["iam_id"] not in WRITERS or who["account"] != k["account_id"]:
            return self.iam_error(403, "BXNIM0513E", "You are not authorized to perform this operation.")
        S["writes"].append(f"{method} {path}")
        changed = False
        if sub == "lock" and method in ("POST", "DELETE"):
            changed = k["locked"] != (method == "POST")
            k["locked"] = method == "POST"
        elif sub == "disable" and method in ("POST", "DELETE"):
            if k["locked"]:
                return self.iam_error(409, "BXNIM0511E", "The API key is locked and cannot be changed.")
            changed = k["disabled"] != (method == "POST")
            k["disabled"] = method == "POST"
        elif sub is None and method == "DELETE":
            if k["locked"]:
                return self.iam_error(409, "BXNIM0511E", "The API key is locked and cannot be deleted.")
            del S["keys"][kid]
            changed = True
        else:
            return self.iam_error(405, "BXNIM0104E", "Method not allowed.")
        if changed:
            S["effects"] += 1
            if kid in S["keys"]:
                k["entity_tag"] = f"{int(k['entity_tag'].split('-')[0]) + 1}-0"
        return self.reply(204)

    # --- Quantum Runtime jobs ------------------------------------------------------------------
    def jobs(self, method, path, q):
        who, problem = self.caller()
        if problem:
            S["unauthorized"] += 1
            return self.quantum_error(401, "1003", "Unauthorized: a valid IAM bearer token is required")
        crn = self.headers.get("Service-CRN")
        if not crn:
            return self.quantum_error(400, "1201", "Service-CRN header is required")
        if crn != INSTANCE_CRN or who["account"] != ACCOUNT:
            return self.quantum_error(403, "1202", "Forbidden: no access to this instance")
        parts = [p for p in path.split("/")[4:] if p]  # [] or [id] or [id, cancel]
        if method == "GET" and not parts:
            return self.list_jobs(q)
        j = next((j for j in S["jobs"] if parts and j["id"] == parts[0]), None)
        if j is None:
            return self.quantum_error(404, "1291", "Job not found")
        if method == "GET" and len(parts) == 1:
            return self.reply(200, j)
        if method == "POST" and parts[1:] == ["cancel"]:
            if who["iam_id"] not in WRITERS:
                return self.quantum_error(403, "1204", "Forbidden: quantum-computing.job.cancel is required")
            S["writes"].append(f"POST {path}")
            if j["id"] in S["races"]:
                S["races"].discard(j["id"])
                j["status"] = j["state"]["status"] = "Completed"
            if j["status"] not in ("Queued", "Running"):
                return self.quantum_error(409, "1300", "Job is in non cancellable status.")
            j["status"] = j["state"]["status"] = "Cancelled"
            j["state"]["reason"] = "Cancelled by user"
            S["effects"] += 1
            return self.reply(204)
        return self.quantum_error(405, "1000", "Method not allowed")

    def list_jobs(self, q):
        one = lambda name: q.get(name, [None])[0]
        jobs = list(S["jobs"])
        pending = one("pending")
        if pending is not None:
            want = ("Queued", "Running") if pending == "true" else ("Completed", "Cancelled", "Failed")
            jobs = [j for j in jobs if j["status"] in want]
        for field, name in (("backend", "backend"), ("session_id", "session_id")):
            if one(name):
                jobs = [j for j in jobs if j[field] == one(name)]
        if one("program"):
            jobs = [j for j in jobs if j["program"]["id"] == one("program")]
        for t in q.get("tags", []):
            jobs = [j for j in jobs if t in j["tags"]]
        try:
            if one("created_after"):
                after = parse_time(one("created_after"))
                jobs = [j for j in jobs if parse_time(j["created"]) >= after]
            if one("created_before"):
                before = parse_time(one("created_before"))
                jobs = [j for j in jobs if parse_time(j["created"]) <= before]
        except ValueError:
            return self.quantum_error(400, "1100", "Invalid date-time in created_after or created_before")
        jobs.sort(key=lambda j: j["created"], reverse=one("sort") != "ASC")
        try:
            limit = int(one("limit") or 200)
        except ValueError:
            limit = 200
        limit = limit if 1 <= limit <= 200 else 200
        offset = int(one("offset") or 0)
        return self.reply(200, {"jobs": jobs[offset:offset + limit], "count": len(jobs), "offset": offset, "limit": limit})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
