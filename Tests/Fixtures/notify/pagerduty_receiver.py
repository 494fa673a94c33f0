#!/usr/bin/env python3
"""A fake PagerDuty Events API v2 endpoint (`POST /v2/enqueue`) for qrun's tests. Stdlib only.

Written from PagerDuty's developer documentation (github.com/PagerDuty/developer-docs):
  - docs/events-API-v2/02-Trigger-Events.md: fields routing_key (required, "32 character
    Integration Key"), event_action (required: trigger|acknowledge|resolve), dedup_key (max 255),
    payload.summary (required, max 1024), payload.source (required), payload.severity (required:
    critical|error|warning|info), payload.timestamp/component/group/class/custom_details, images,
    links, client, client_url. De-duplication: "Submitting subsequent events for the same
    dedup_key will result in those events being applied to an open alert"; once resolved, a new
    trigger "will create a new alert", acknowledge/resolve "be dropped"; a trigger without
    dedup_key gets a generated UUID, returned in the response.
  - docs/events-API-v2/01-Overview.md "Response Codes & Retry Logic": 202 Accepted (no retry);
    400 Bad Request "Check that the JSON is valid" (no retry); 429 "Too many API calls" and
    500/5xx (retry after some time); size limit 512 KB.
Response bodies follow the API reference: 202 {"status":"success","message":"Event processed",
"dedup_key":...}; 400 {"status":"invalid event","message":"Event object is invalid","errors":[...]}.
The error strings are modelled on PagerDuty's observed messages (e.g. "Length of 'routing_key' is
incorrect (should be 32 characters)").

Choice the documentation leaves open: the fake knows one routing key (`--routing-key`); another
well-formed key is answered 400 "Invalid routing key" so a test notices a wrong key (the real
service may accept and drop it).

State: STATE["alerts"] = list of {routing_key_ok, dedup_key, status, log: [event_action, ...]};
STATE["effects"] = accepted events in order. Control API: see receiver_base.py.
"""
import json
import sys
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the fixtures folder
from receiver_base import LOCK, STATE, ReceiverHandler, serve

ROUTING_KEY = None
args = sys.argv[1:]
for i, a in enumerate(args):
    if a == "--routing-key":
        ROUTING_KEY = args[i + 1]


def invalid(*errors):
    return 400, {}, {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)}


class Handler(ReceiverHandler):
    initial_state = {"alerts": []}

    def handle_post(self, path, headers, raw):
        if path != "/v2/enqueue":
            return 404, {}, {"status": "not found"}
        if len(raw) > 512 * 1024:
            return invalid("Event payload exceeds 512 KB")
        try:
            event = json.loads(raw)
        except ValueError:
            return 400, {}, {"status": "invalid event", "message": "Event object is invalid", "errors": ["Invalid JSON"]}
        if not isinstance(event, dict):
            return invalid("Event object is invalid")
        errors = []
        key = event.get("routing_key")
        if not key:
            errors.append("'routing_key' is missing or blank")
        elif len(key) != 32:
            errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
        elif key != ROUTING_KEY:
            errors.append("Invalid routing key")
        action = event.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
        dedup = event.get("dedup_key")
        if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
            errors.append("'dedup_key' must be a string of at most 255 characters")
        if action in ("acknowledge", "resolve") and not dedup:
            errors.append("'dedup_key' is missing or blank")
        if action == "trigger":
            p = event.get("payload")
            if not isinstance(p, dict):
                errors.append("'payload' is missing or blank")
            else:
                if not p.get("summary"):
                    errors.append("'payload.summary' is missing or blank")
                elif len(p["summary"]) > 1024:
                    errors.append("'payload.summary' is too long (maximum is 1024 characters)")
                if not p.get("source"):
                    errors.append("'payload.source' is missing or blank")
                if p.get("severity") not in ("critical", "error", "warning", "info"):
                    errors.append("'payload.severity' is invalid (must be one of: critical, warning, error, info)")
                if "custom_details" in p and not isinstance(p["custom_details"], dict):
                    errors.append("'payload.custom_details' must be an object")
        if errors:
            return invalid(*errors)
        dedup = dedup or str(uuid.uuid4())
        with LOCK:
            STATE["effects"].append({"event_action": action, "dedup_key": dedup, "payload": event.get("payload"),
                                     "client": event.get("client")})
            open_alert = next((a for a in STATE["alerts"] if a["dedup_key"] == dedup and a["status"] != "resolved"), None)
            if action == "trigger":
                if open_alert:
                    open_alert["log"].append("trigger")
                else:
                    STATE["alerts"].append({"dedup_key": dedup, "status": "triggered", "log": ["trigger"],
                                            "summary": event["payload"]["summary"], "severity": event["payload"]["severity"]})
            elif open_alert:
                open_alert["status"] = "acknowledged" if action == "acknowledge" else "resolved"
                open_alert["log"].append(action)
            else:
                STATE.setdefault("dropped", []).append({"event_action": action, "dedup_key": dedup})
        return 202, {}, {"status": "success", "message": "Event processed", "dedup_key": dedup}


if __name__ == "__main__":
    serve(Handler)
