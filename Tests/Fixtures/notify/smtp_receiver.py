#!/usr/bin/env python3
"""A real SMTP server for qrun's `notify.email` tests: aiosmtpd (PyPI `aiosmtpd`, 1.4) around its
`Controller`, on 127.0.0.1 at a free port. Prints `PORT <n>` when it accepts connections.

Options:
  --maildir DIR         write every accepted message to DIR/<n>.json as
                        {mail_from, rcpt_tos, data, tls, auth_login}
  --cert PEM --key PEM  offer STARTTLS with this certificate (aiosmtpd `tls_context`)
  --require-starttls    refuse MAIL before STARTTLS (530)
  --auth-user USER      require AUTH (PLAIN/LOGIN, only after TLS: aiosmtpd's auth_require_tls);
                        the password comes from env SMTP_PASSWORD, never from the command line
  --reject-rcpt ADDR    answer RCPT TO:<ADDR> with 550 5.1.1 (repeatable)
  --defer-rcpt ADDR     answer RCPT TO:<ADDR> with 451 4.3.0 (repeatable)
"""
import asyncio
import json
import os
import socket
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

args = sys.argv[1:]


def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default


def opts(name):
    return [args[i + 1] for i, a in enumerate(args) if a == name]


MAILDIR = opt("--maildir")
CERT, KEY = opt("--cert"), opt("--key")
USER = opt("--auth-user")
PASSWORD = os.environ.get("SMTP_PASSWORD", "")
REJECT, DEFER = set(opts("--reject-rcpt")), set(opts("--defer-rcpt"))
COUNTER = [0]
LOCK = threading.Lock()


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in REJECT:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address in DEFER:
            return "451 4.3.0 <%s>: Temporary failure, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with LOCK:
            COUNTER[0] += 1
            n = COUNTER[0]
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "tls": session.ssl is not None,
            "auth_login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
        }
        if MAILDIR:
            tmp = os.path.join(MAILDIR, f".{n}.tmp")
            with open(tmp, "w") as f:
                json.dump(record, f)
            os.rename(tmp, os.path.join(MAILDIR, f"{n}.json"))
        return "250 2.0.0 Ok: queued as QRUN%04d" % n


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    # handled=False: let aiosmtpd answer 535 itself (with the default handled=True it answers nothing)
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


kwargs = {"require_starttls": "--require-starttls" in args}
if CERT:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(CERT, KEY)
    kwargs["tls_context"] = ctx
if USER:
    kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)

port = free_port()
controller = Controller(Handler(), hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
controller.start()
print(f"PORT {port}", flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    controller.stop()
