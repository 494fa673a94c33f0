#!/usr/bin/env python3
"""A fake Amazon Braket control plane (REST-JSON, SigV4) for qrun's tests. Stdlib only.

Written from the Amazon Braket API Reference (API version 2019-09-01):
  - SearchQuantumTasks   POST /quantum-tasks              body {filters[], maxResults 1-100, nextToken}
        filters: {name: quantumTaskArn|deviceArn|jobArn|status|createdAt,
                  operator: LT|LTE|EQUAL|GT|GTE|BETWEEN, values: 1-10 strings}  (SearchQuantumTasksFilter)
        answer:  {quantumTasks: [QuantumTaskSummary{createdAt, deviceArn, endedAt, outputS3Bucket,
                  outputS3Directory, quantumTaskArn, shots, status, tags}], nextToken}
  - GetQuantumTask       GET  /quantum-task/{quantumTaskArn}
  - CancelQuantumTask    PUT  /quantum-task/{quantumTaskArn}/cancel   body {clientToken: 1-64 chars}
        answer:  {cancellationStatus: CANCELLING|CANCELLED, quantumTaskArn}
  - Errors (REST-JSON): status + `x-amzn-ErrorType: <Code>` + body {"message": ...}:
        AccessDeniedException 403, ConflictException 409, InternalServiceException 500,
        ResourceNotFoundException 404, ThrottlingException 429, ValidationException 400,
        and the common SigV4 errors MissingAuthenticationTokenException 403 ("Missing Authentication
        Token"), IncompleteSignatureException 400, UnrecognizedClientException 403 ("The security
        token included in the request is invalid."), InvalidSignatureException 403 ("The request
        signature we calculated does not match the signature you provided. ...").
  Task statuses: CREATED, QUEUED, RUNNING, COMPLETED, FAILED, CANCELLING, CANCELLED.

Choices the reference leaves open (documented here, not guessed silently):
  - Cancelling a CREATED/QUEUED task answers CANCELLED at once; a RUNNING task answers CANCELLING.
  - The same clientToken for the same task replays the first answer without a second effect.
  - Cancelling a task that is already CANCELLING/CANCELLED/COMPLETED/FAILED with a new token answers
    409 ConflictException.
  - `createdAt` filter values are ISO 8601 UTC times and compare as times; several values with EQUAL
    mean "any of".

SigV4 is verified for real (AWS Signature Version 4 specification; the same canonicalisation as
botocore: the wire path normalised and URI-encoded once more with '/' kept, query names and values
re-encoded and sorted, signed headers trimmed and lower-cased, payload SHA-256 of the body). Known key
pairs: see KEYS; the `denied` key authenticates but every operation answers AccessDeniedException.
Region defaults to us-east-1 (`--region`). Requests more than 15 minutes off the clock are refused.

Control API (no auth): GET /_fake/state, POST /_fake/reset, POST /_fake/tasks (JSON list of tasks),
POST /_fake/fail?count=N&status=503, POST /_fake/ratelimit?retry_after=S,
POST /_fake/set-status?arn=ARN&status=S, POST /_fake/finish-before-cancel?arn=ARN&status=COMPLETED (the
task reaches that status just before the next CancelQuantumTask for it arrives: a race).
Cross-checked: boto3's own braket client (botocore signer) is accepted by this fake's SigV4 check.
Prints `PORT <n>` when listening on 127.0.0.1.
"""
import datetime
import hashlib
import hmac
import json
import re
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEYS = {
    "AKIDBRAKETFAKE000001": {"secret": "braketFakeSecretKey/000000000000000000001", "allow": True},
    "AKIDBRAKETDENIED0001": {"secret": "braketFakeSecretKey/000000000000000000002", "allow": False},
}
REGION = "us-east-1"
for i, a in enumerate(sys.argv):
    if a == "--region" and i + 1 < len(sys.argv):
        REGION = sys.argv[i + 1]

ACTIVE = {"CREATED", "QUEUED", "RUNNING"}
FILTER_NAMES = {"quantumTaskArn", "deviceArn", "jobArn", "status", "createdAt"}
OPERATORS = {"LT", "LTE", "EQUAL", "GT", "GTE", "BETWEEN"}
LOCK = threading.Lock()


def fresh_state():
    return {"tasks": {}, "order": [], "cancel_effects": {}, "tokens": {}, "calls": [], "auth_failures": [],
            "fail": {"count": 0, "status": 503}, "ratelimit": None, "finish_before_cancel": {}}


STATE = fresh_state()


def parse_time(s):
    s = s.strip().replace("Z", "+00:00")
    t = datetime.datetime.fromisoformat(s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t


def uri_encode(s, keep_slash):
    safe = "-_.~" + ("/" if keep_slash else "")
    return urllib.parse.quote(s, safe=safe)


def normalize(path):
    segs = path.split("/")
    out = []
    for s in segs:
        if s in ("", "."):
            continue
        if s == "..":
            if out:
                out.pop()
            continue
        out.append(s)
    r = "/" + "/".join(out)
    if r != "/" and segs[-1] in ("", ".", ".."):
        r += "/"
    return r


class AuthError(Exception):
    def __init__(self, status, code, message):
        self.status, self.code, self.message = status, code, message


def verify_sigv4(method, raw_path, raw_query, headers, body):
    auth = headers.get("authorization")
    if not auth:
        raise AuthError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})", auth.strip())
    if not m:
        raise AuthError(400, "IncompleteSignatureException",
                        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. "
                        "Authorization header requires 'SignedHeaders' parameter.")
    credential, signed_headers, signature = m.groups()
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise AuthError(400, "IncompleteSignatureException", "Credential should be scoped to a valid region, service and 'aws4_request'.")
    key_id, day, region, service, _ = parts
    amz_date = headers.get("x-amz-date")
    if not amz_date:
        raise AuthError(400, "IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    key = KEYS.get(key_id)
    if key is None:
        raise AuthError(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
    if region != REGION:
        raise AuthError(403, "InvalidSignatureException", f"Credential should be scoped to a valid region. ")
    if service != "braket":
        raise AuthError(403, "InvalidSignatureException", "Credential should be scoped to correct service: 'braket'. ")
    names = signed_headers.split(";")
    if "host" not in names:
        raise AuthError(403, "InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise AuthError(400, "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'.")
    now = datetime.datetime.now(datetime.timezone.utc)
    if abs((now - when).total_seconds()) > 15 * 60:
        raise AuthError(403, "InvalidSignatureException",
                        f"Signature expired: {amz_date} is now earlier than {(now - datetime.timedelta(minutes=5)).strftime('%Y%m%dT%H%M%SZ')}")
    if day != amz_date[:8]:
        raise AuthError(403, "InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.")
    pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
    cq = "&".join(f"{k}={v}" for k, v in sorted((uri_encode(k, False), uri_encode(v, False)) for k, v in pairs))
    ch = ""
    for n in names:
        if n not in headers:
            raise AuthError(403, "InvalidSignatureException", f"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
        ch += n + ":" + " ".join(headers[n].split()) + "\n"
    creq = "\n".join([method, uri_encode(normalize(raw_path), True), cq, ch, signed_headers, hashlib.sha256(body).hexdigest()])
    scope = f"{day}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + key["secret"]).encode()
    for p in (day, region, service, "aws4_request"):
        k = hmac.new(k, p.encode(), hashlib.sha256).digest()
    expected = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise AuthError(403, "InvalidSignatureException",
                        "The request signature we calculated does not match the signature you provided. "
                        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
    return key_id, key


def summary(t):
    keys = ("createdAt", "deviceArn", "endedAt", "outputS3Bucket", "outputS3Directory", "quantumTaskArn", "shots", "status", "tags")
    return {k: t[k] for k in keys if t.get(k) is not None}


def matches(t, f):
    name, op, values = f["name"], f["operator"], f["values"]
    field = t.get(name)
    if field is None:
        return False
    if name == "createdAt":
        v, vals = parse_time(field), [parse_time(x) for x in values]
    else:
        v, vals = field, values
    if op == "EQUAL":
        return v in vals
    if op == "BETWEEN":
        return len(vals) == 2 and vals[0] <= v <= vals[1]
    x = vals[0]
    return {"LT": v < x, "LTE": v <= x, "GT": v > x, "GTE": v >= x}[op]


class Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes; without TCP_NODELAY each answer waits ~40 ms
    # for a delayed ACK (Nagle), which is not how a real provider behaves.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, obj, extra=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message, extra=None):
        h = {"x-amzn-ErrorType": code}
        h.update(extra or {})
        self.send_json(status, {"message": message}, h)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        raw_path, _, raw_query = self.path.partition("?")
        body = self.body()
        if raw_path.startswith("/_fake/"):
            return self.control(method, raw_path, urllib.parse.parse_qs(raw_query), body)
        headers = {k.lower(): v for k, v in self.headers.items()}
        with LOCK:
            if STATE["ratelimit"] is not None:
                retry = STATE["ratelimit"]
                STATE["ratelimit"] = None
                return self.error(429, "ThrottlingException", "Rate exceeded", {"Retry-After": str(retry)})
            if STATE["fail"]["count"] > 0:
                STATE["fail"]["count"] -= 1
                st = STATE["fail"]["status"]
                code = {500: "InternalServiceException", 503: "ServiceUnavailableException", 429: "ThrottlingException"}.get(st, "InternalServiceException")
                return self.error(st, code, "injected failure")
        try:
            key_id, key = verify_sigv4(method, raw_path, raw_query, headers, body)
        except AuthError as e:
            with LOCK:
                STATE["auth_failures"].append({"code": e.code, "path": raw_path})
            return self.error(e.status, e.code, e.message)
        if not key["allow"]:
            return self.error(403, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/denied is not authorized to perform this action")
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return self.error(400, "ValidationException", "Could not parse request body into json")
        if method == "POST" and raw_path == "/quantum-tasks":
            return self.search(payload)
        m = re.fullmatch(r"/quantum-task/([^/]+)(/cancel)?", raw_path)
        if m:
            arn = urllib.parse.unquote(m.group(1))
            if m.group(2) and method == "PUT":
                return self.cancel(arn, payload)
            if not m.group(2) and method == "GET":
                return self.get(arn)
        return self.error(404, "ResourceNotFoundException", f"No operation matches {method} {raw_path}")

    def search(self, payload):
        filters = payload.get("filters")
        if not isinstance(filters, list) or len(filters) > 10:
            return self.error(400, "ValidationException", "1 validation error detected: Value at 'filters' failed to satisfy constraint: Member must not be null and have length less than or equal to 10")
        for f in filters:
            if (not isinstance(f, dict) or f.get("name") not in FILTER_NAMES or f.get("operator") not in OPERATORS
                    or not isinstance(f.get("values"), list) or not 1 <= len(f["values"]) <= 10):
                return self.error(400, "ValidationException", f"Invalid filter: {json.dumps(f)}")
        max_results = payload.get("maxResults", 100)
        if not isinstance(max_results, int) or not 1 <= max_results <= 100:
            return self.error(400, "ValidationException", "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100")
        with LOCK:
            STATE["calls"].append({"op": "SearchQuantumTasks", "filters": filters})
            try:
                hits = [STATE["tasks"][a] for a in STATE["order"] if all(matches(STATE["tasks"][a], f) for f in filters)]
            except ValueError:
                return self.error(400, "ValidationException", "Invalid createdAt value")
            start = int(payload.get("nextToken") or 0)
            page = hits[start:start + max_results]
            out = {"quantumTasks": [summary(t) for t in page]}
            if start + max_results < len(hits):
                out["nextToken"] = str(start + max_results)
        return self.send_json(200, out)

    def get(self, arn):
        with LOCK:
            STATE["calls"].append({"op": "GetQuantumTask", "arn": arn})
            t = STATE["tasks"].get(arn)
            if t is None:
                return self.error(404, "ResourceNotFoundException", f"Quantum task {arn} not found")
            return self.send_json(200, dict(t))

    def cancel(self, arn, payload):
        token = payload.get("clientToken")
        if not isinstance(token, str) or not 1 <= len(token) <= 64:
            return self.error(400, "ValidationException", "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length between 1 and 64")
        with LOCK:
            STATE["calls"].append({"op": "CancelQuantumTask", "arn": arn, "clientToken": token})
            t = STATE["tasks"].get(arn)
            if t is None:
                return self.error(404, "ResourceNotFoundException", f"Quantum task {arn} not found")
            if arn in STATE["finish_before_cancel"]:
                t["status"] = STATE["finish_before_cancel"].pop(arn)
            previous = STATE["tokens"].get((arn, token))
            if previous is not None:
                return self.send_json(200, previous)
            if t["status"] not in ACTIVE:
                return self.error(409, "ConflictException", f"Quantum task {arn} is in status {t['status']} and cannot be cancelled")
            t["status"] = "CANCELLING" if t["status"] == "RUNNING" else "CANCELLED"
            if t["status"] == "CANCELLED":
                t["endedAt"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            STATE["cancel_effects"][arn] = STATE["cancel_effects"].get(arn, 0) + 1
            answer = {"cancellationStatus": t["status"], "quantumTaskArn": arn}
            STATE["tokens"][(arn, token)] = answer
        return self.send_json(200, answer)

    def control(self, method, path, query, body):
        global STATE
        with LOCK:
            if path == "/_fake/state":
                s = {k: v for k, v in STATE.items() if k not in ("tokens", "order")}
                return self.send_json(200, s)
            if path == "/_fake/reset":
                STATE = fresh_state()
            elif path == "/_fake/tasks":
                for t in json.loads(body or b"[]"):
                    arn = t.get("quantumTaskArn") or f"arn:aws:braket:{REGION}:123456789012:quantum-task/{uuid.uuid4()}"
                    task = {"quantumTaskArn": arn, "status": t.get("status", "QUEUED"),
                            "deviceArn": t.get("deviceArn", "arn:aws:braket:::device/quantum-simulator/amazon/sv1"),
                            "createdAt": t.get("createdAt", "2026-11-25T08:00:00.000Z"), "shots": t.get("shots", 100),
                            "outputS3Bucket": "amazon-braket-results", "outputS3Directory": "tasks/" + arn.rsplit("/", 1)[-1],
                            "tags": t.get("tags", {}), "jobArn": t.get("jobArn")}
                    STATE["tasks"][arn] = task
                    STATE["order"].append(arn)
            elif path == "/_fake/fail":
                STATE["fail"] = {"count": int(query.get("count", ["1"])[0]), "status": int(query.get("status", ["503"])[0])}
            elif path == "/_fake/ratelimit":
                STATE["ratelimit"] = int(query.get("retry_after", ["1"])[0])
            elif path == "/_fake/finish-before-cancel":
                STATE["finish_before_cancel"][query["arn"][0]] = query.get("status", ["COMPLETED"])[0]
            elif path == "/_fake/set-status":
                STATE["tasks"][query["arn"][0]]["status"] = query["status"][0]
            else:
                return self.error(404, "NotFound", "unknown control path")
        return self.send_json(200, {"ok": True})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
