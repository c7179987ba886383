"""Outgoing e-mail over SMTP; without an SMTP server, mails go to instance/mail/ (the log
names subject, recipient and file, never the body with its links).

A mail sent while a request (or background task) has a transaction open waits for its commit
and is dropped if it rolls back: nobody gets a link to a token that was never stored, and a
slow or stalled SMTP server never holds the database's write lock. After the commit, a
request hands SMTP delivery to a background thread (``portal.background``), so the answer
does not wait for the server either; the command line delivers at once.
"""

import logging
import secrets
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from sqlalchemy import event

from portal import background
from portal.extensions import db
from portal.timeutil import utcnow

logger = logging.getLogger(__name__)

_QUEUE = "portal_mail_queue"


def send_mail(to: str, subject: str, template: str, locale: str | None = None, **context) -> None:
    """Render `templates/mail/<template>.txt` in the recipient's language and send it."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(f"mail/{template}.txt", **context)
        subject = str(subject)
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="kok-portal")
    msg.set_content(body)
    deferring = has_request_context() or db.session.info.get(background.DEFER_MAIL)
    if deferring and db.session().in_transaction():
        db.session.info.setdefault(_QUEUE, []).append(msg)
    elif deferring:
        _deliver(msg)
    else:
        _deliver_now(msg)


def register_hooks() -> None:
    """Deliver queued mails after the commit; drop them on rollback (once per process)."""
    for name, fn in (("after_commit", _after_commit), ("after_soft_rollback", _after_rollback)):
        if not event.contains(db.session, name, fn):
            event.listen(db.session, name, fn)


def _after_commit(session) -> None:
    for msg in session.info.pop(_QUEUE, []):
        _deliver(msg)


def _after_rollback(session, _previous_transaction) -> None:
    if not session.in_transaction():
        dropped = session.info.pop(_QUEUE, [])
        if dropped:
            logger.info("%s mail(s) dropped: their transaction rolled back", len(dropped))


def _deliver(msg: EmailMessage) -> None:
    """After the commit: SMTP in the background during requests, the folder at once."""
    if current_app.config.get("MAIL_SERVER") and has_request_context():
        background.submit(_send_smtp, msg)
    else:
        _deliver_now(msg)


def _deliver_now(msg: EmailMessage) -> None:
    if current_app.config.get("MAIL_SERVER"):
        _send_smtp(msg)
    else:
        _write_to_folder(msg)


def _send_smtp(msg: EmailMessage) -> None:
    cfg = current_app.config
    host, port, timeout = cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), cfg["MAIL_TIMEOUT"]
    if cfg.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)
    logger.info("Sent mail %r to %s", msg["Subject"], msg["To"])


def _write_to_folder(msg: EmailMessage) -> None:
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.eml"
    (folder / name).write_bytes(bytes(msg))
    # Subject and recipient only: the body holds links with tokens, and logs travel further.
    logger.warning(
        "No SMTP server configured: mail %r to %s written to %s",
        msg["Subject"],
        msg["To"],
        folder / name,
    )
