"""Work done after the answer is complete, so its duration reveals nothing to the requester.

Used where timing must not tell whether an account exists (password reset). Work submitted
during a request starts when the request ends (its teardown, after the answer is built): a
thread started earlier would compete with the answer for the interpreter lock and make the
answer slower exactly when there is work (an account exists). The pool's threads are joined
when the process exits, so accepted work is not lost on a normal shutdown.
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Flask, current_app, g, has_request_context

from portal.extensions import db

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="portal-background")
_pending: set[Future] = set()
_lock = threading.Lock()


#: The work a request submitted, started at its end (``g`` key).
_AT_REQUEST_END = "portal_background_work"


def init_app(app: Flask) -> None:
    """Start the work a request submitted when the request ends."""
    app.teardown_request(_start_submitted)


def submit(function, *args) -> None:
    """Run `function(*args)` in an app context of its own, committing if it succeeds; during a
    request, once the request has ended."""
    if has_request_context():
        g.setdefault(_AT_REQUEST_END, []).append((function, args))
    else:
        _start(current_app._get_current_object(), function, args)


def _start_submitted(_error) -> None:
    # Also after an error: what was submitted had been accepted (a mail after its commit).
    for function, args in g.pop(_AT_REQUEST_END, []):
        _start(current_app._get_current_object(), function, args)


def _start(app: Flask, function, args) -> None:
    future = _executor.submit(_run, app, function, args)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


#: Marks the session of a background task: its mails wait for its commit (portal.mail).
DEFER_MAIL = "portal_defer_mail"


def _run(app: Flask, function, args) -> None:
    with app.app_context():
        db.session.info[DEFER_MAIL] = True  # mails go out after the commit, not under its lock
        try:
            function(*args)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("Background task %s failed", getattr(function, "__name__", function))
            raise
        finally:
            db.session.remove()


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def pending() -> int:
    """How many submitted tasks have not finished yet."""
    with _lock:
        return len(_pending)


def wait_idle(timeout: float = 10.0) -> None:
    """Wait until submitted work is done (tests, and commands that exit right after)."""
    with _lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)
