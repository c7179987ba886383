"""gunicorn settings: `gunicorn -c gunicorn.conf.py 'portal:create_app()'`.

PORTAL_WORKERS sets the number of worker processes; the portal reads the same variable and, on
SQLite, refuses to start several workers unless WAL is on. gunicorn's `Server` header names
only "gunicorn", no version; remove it at the reverse proxy (nginx: `proxy_hide_header Server;`
and `server_tokens off;`).
"""

import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", "2"))
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
