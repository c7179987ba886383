"""Background work submitted during a request starts only once the answer is complete."""

import threading

from portal import background


def test_work_submitted_in_a_request_starts_when_the_request_ends(app):
    started = threading.Event()
    with app.test_request_context("/auth/forgot-password", method="POST"):
        background.submit(started.set)
        # A thread started at once would have run by now; it must wait for the request's end.
        assert not started.wait(0.2)
    assert started.wait(5)


def test_work_submitted_outside_a_request_starts_at_once(app):
    started = threading.Event()
    with app.app_context():
        background.submit(started.set)
        assert started.wait(5)
