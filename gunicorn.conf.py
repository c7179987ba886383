"""gunicorn settings: `gunicorn -c gunicorn.conf.py 'portal:create_app()'`.

PORTAL_WORKERS sets the number of worker processes (default: `WORKERS` in config.py). This
file passes the number gunicorn really uses (also `--workers`, except with `--preload`) on to
the portal in PORTAL_WORKERS, so the production checks (WAL, a shared rate-limit store) judge
the real number. gunicorn's `Server` header names only "gunicorn", no version; remove it at
the reverse proxy (nginx: `proxy_hide_header Server;` and `server_tokens off;`).
"""

import gc
import os
import re

from gunicorn.glogging import Logger

from config import Config

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS") or Config.WORKERS)
os.environ["PORTAL_WORKERS"] = str(workers)  # the portal's checks read it (also with --preload)
# Requests that wait for SQLite's write lock wait up to SQLITE_BUSY_TIMEOUT_MS (15 s).
timeout = 60
# A case description (up to 5,000 characters) travels in the URL of a GET search; URL-encoded
# it can be longer than gunicorn's default request line of 4,094 bytes. 0 lifts the line limit
# (the portal cuts the query itself); the proxy needs room too (nginx:
# `large_client_header_buffers 4 32k;`).
limit_request_line = 0
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'

# Links in invitation, password-reset and e-mail-change mails carry their token in the path:
# keep it out of the access log (the query string is left out by the format above), wherever
# it appears (request line, path, referer of the page after the link, environ atoms).
_TOKEN_PATH = re.compile(r"(/auth/(?:invitation|reset-password|email-change)/)[^/?\s]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def redact(value):
    """The value with link tokens replaced and control characters escaped (no forged lines);
    never raises: None, numbers and other values pass unchanged."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return value
    value = value.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
    value = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return _TOKEN_PATH.sub(r"\1[token]", value)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        try:
            atoms = super().atoms(resp, req, environ, request_time)
        except Exception:  # noqa: BLE001 - a log line must never end a worker
            self.error("Cannot format the access log line", exc_info=True)
            return {"h": "-"}  # gunicorn's SafeAtoms prints "-" for every other field
        return {key: redact(value) for key, value in atoms.items()}


logger_class = RedactingLogger


def on_starting(server):
    """`--workers` on the command line wins over this file: tell the portal the real number."""
    os.environ["PORTAL_WORKERS"] = str(server.cfg.workers)


def post_worker_init(worker):
    """The portal is loaded: its modules, mappers and templates live as long as the worker, so
    the garbage collector's full passes need not walk them again and again (gc.freeze; about
    200,000 objects, a full pass cost 0.5 ms per request on average in bench/request_cost's mix)."""
    gc.freeze()
