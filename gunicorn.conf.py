"""gunicorn settings: `gunicorn -c gunicorn.conf.py 'portal:create_app()'`.

PORTAL_WORKERS sets the number of worker processes (default: `WORKERS` in config.py). This
file passes the number gunicorn really uses (also `--workers`, except with `--preload`) on to
the portal in PORTAL_WORKERS, so the production checks (WAL, a shared rate-limit store) judge
the real number. gunicorn's `Server` header names only "gunicorn", no version; remove it at
the reverse proxy (nginx: `proxy_hide_header Server;` and `server_tokens off;`).
"""

import os
import re

from gunicorn.glogging import Logger

from config import Config

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS") or Config.WORKERS)
os.environ["PORTAL_WORKERS"] = str(workers)  # the portal's checks read it (also with --preload)
# Requests that wait for SQLite's write lock wait up to SQLITE_BUSY_TIMEOUT_MS (15 s).
timeout = 60
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'

# Links in invitation, password-reset and e-mail-change mails carry their token in the path:
# keep it out of the access log (the query string is left out by the format above).
_TOKEN_PATH = re.compile(r"(/auth/(?:invitation|reset-password|email-change)/)[^/?\s]+")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r"):
            if key in atoms:
                atoms[key] = _TOKEN_PATH.sub(r"\1[token]", atoms[key])
        return atoms


logger_class = RedactingLogger


def on_starting(server):
    """`--workers` on the command line wins over this file: tell the portal the real number."""
    os.environ["PORTAL_WORKERS"] = str(server.cfg.workers)
