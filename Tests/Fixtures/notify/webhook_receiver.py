#!/usr/bin/env python3
"""A receiver of qrun's `notify.webhook` that checks what a careful integrator would check.

For each POST: the HMAC-SHA256 signature `X-QRun-Signature: v1=<hex>` over
`X-QRun-Timestamp + "." + raw body` with the shared secret (`--secret`, or env WEBHOOK_SECRET),
compared with hmac.compare_digest; the timestamp within `--tolerance` seconds (default 300) of the
receiver's clock; `Content-Type: application/json` and a JSON object body; `Idempotency-Key`
present. Bad signature or stale timestamp: 401 {"error": ...}. A key seen before (IETF
draft-ietf-httpapi-idempotency-key-header: a repeated request with the same key returns the
stored result without repeating the effect) is answered 200 again with "replayed": true and is
not counted as a new effect. Deliveries are in STATE["effects"].
"""
import hashlib
import hmac
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the fixtures folder
from receiver_base import LOCK, STATE, ReceiverHandler, serve

SECRET = os.environ.get("WEBHOOK_SECRET", "")
TOLERANCE = 300
args = sys.argv[1:]
for i, a in enumerate(args):
    if a == "--secret":
        SECRET = args[i + 1]
    if a == "--tolerance":
        TOLERANCE = int(args[i + 1])


class Handler(ReceiverHandler):
    initial_state = {"rejections": [], "keys": {}}

    def handle_post(self, path, headers, raw):
        ts = headers.get("X-QRun-Timestamp", "")
        sig = headers.get("X-QRun-Signature", "")
        key = headers.get("Idempotency-Key")

        def reject(status, why):
            with LOCK:
                STATE["rejections"].append(why)
            return status, {}, {"error": why}

        if not ts.isdigit():
            return reject(401, "missing or malformed X-QRun-Timestamp")
        if abs(time.time() - int(ts)) > TOLERANCE:
            return reject(401, "timestamp outside tolerance")
        expected = "v1=" + hmac.new(SECRET.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, sig):
            return reject(401, "bad signature")
        if not (headers.get("Content-Type") or "").startswith("application/json"):
            return reject(415, "content type is not application/json")
        try:
            doc = json.loads(raw)
        except ValueError:
            return reject(400, "body is not JSON")
        if not isinstance(doc, dict):
            return reject(400, "body is not a JSON object")
        if not key:
            return reject(400, "missing Idempotency-Key")
        with LOCK:
            if key in STATE["keys"]:
                STATE["keys"][key]["repeats"] += 1
                return 200, {}, {"ok": True, "replayed": True}
            STATE["keys"][key] = {"repeats": 0}
            STATE["effects"].append({"path": path, "payload": doc, "idempotency_key": key,
                                     "run_id": headers.get("X-QRun-Run-Id"), "step_id": headers.get("X-QRun-Step-Id")})
        return 200, {}, {"ok": True, "replayed": False}


if __name__ == "__main__":
    serve(Handler)
