#!/usr/bin/env python3
"""A fake Slack incoming-webhook endpoint (`POST /services/T…/B…/<token>`) for qrun's tests.

Written from Slack's documentation:
  - "Sending messages using incoming webhooks" (api.slack.com/messaging/webhooks): POST JSON with
    Content-type application/json, `text` and/or `blocks`; success is HTTP 200 with body `ok`.
  - Changelog 2016-05-17 "Improving error conditions for Incoming Webhooks" and the "Handling
    errors" table: 400 invalid_payload, user_not_found, no_text, too_many_attachments;
    403 action_prohibited, invalid_token, posting_to_general_channel_denied;
    404 channel_not_found, no_service; 410 channel_is_archived; 500 rollup_error. Bodies are the
    bare error string (text/html, like Slack).
  - Rate limits: incoming webhooks about one message per second per channel; excess answers 429
    with Retry-After (inject with /_fake/fault {"status":429,"retry_after":N,"body":"rate_limited"}).
  - Legacy-only runtime fields (username, icon_emoji, icon_url, channel) are recorded as
    `legacy_fields` so a test can assert qrun never sends them to an app webhook.

Known webhooks: `--hook /services/T…/B…/token` (repeatable); any other path answers 404 no_service.
Config switches (POST /_fake/config): {"archived": true} → 410 channel_is_archived,
{"prohibited": true} → 403 action_prohibited. Posted messages: STATE["effects"].
"""
import json
import sys
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the fixtures folder
from receiver_base import LOCK, STATE, ReceiverHandler, serve

HOOKS = set()
args = sys.argv[1:]
for i, a in enumerate(args):
    if a == "--hook":
        HOOKS.add(args[i + 1])

TEXT = {"Content-Type": "text/html"}


class Handler(ReceiverHandler):
    initial_state = {}

    def handle_post(self, path, headers, raw):
        if path not in HOOKS:
            return 404, TEXT, "no_service"
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            if ctype == "application/json":
                msg = json.loads(raw)
            elif ctype == "application/x-www-form-urlencoded":
                msg = json.loads(urllib.parse.parse_qs(raw.decode())["payload"][0])
            else:
                return 400, TEXT, "invalid_payload"
        except (ValueError, KeyError):
            return 400, TEXT, "invalid_payload"
        if not isinstance(msg, dict):
            return 400, TEXT, "invalid_payload"
        if not msg.get("text") and not msg.get("blocks") and not msg.get("attachments"):
            return 400, TEXT, "no_text"
        if "blocks" in msg and (not isinstance(msg["blocks"], list) or len(msg["blocks"]) > 50
                                or not all(isinstance(b, dict) and "type" in b for b in msg["blocks"])):
            return 400, TEXT, "invalid_blocks"
        cfg = STATE["config"]
        if cfg.get("prohibited"):
            return 403, TEXT, "action_prohibited"
        if cfg.get("archived"):
            return 410, TEXT, "channel_is_archived"
        with LOCK:
            STATE["effects"].append({"hook": path, "text": msg.get("text"), "blocks": msg.get("blocks"),
                                     "legacy_fields": sorted(k for k in ("username", "icon_emoji", "icon_url", "channel") if k in msg)})
        return 200, TEXT, "ok"


if __name__ == "__main__":
    serve(Handler)
