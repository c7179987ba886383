"""The login guard: every endpoint needs a logged-in user unless listed here."""

from flask import redirect, request, session, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound

from portal.auth.two_factor import enrolment_pending
from portal.extensions import login_manager

PUBLIC_ENDPOINTS = {
    "static",
    "auth.login",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.accept_invitation",
    "auth.confirm_email_change",  # the token proves the new address; the owner asked for it
    "auth.login_code",
    "main.healthz",
    "main.set_language",
    "feeds.feed",  # private token URL; see portal.saved
    "notifications.unsubscribe",  # signed for one person and one kind of mail
    "meetings.calendar_feed",  # signed and revocable, for one person's calendar program
    "public.index",  # what the office released: see portal.public
    "public.detail",
    "public.feed",
}


def require_login():
    """`before_request` hook: anonymous requests go to the login page (see `unauthorized`)."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.routing_exception is not None and not isinstance(
        request.routing_exception, NotFound
    ):
        return None  # e.g. an untrusted Host header: let Flask answer 400

    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    # Editors and admins reach nothing else until their second factor is set up.
    if (
        "_user_id" in session
        and request.endpoint not in ENROLMENT_ENDPOINTS
        and enrolment_pending(current_user)
    ):
        return redirect(url_for("auth.two_factor_setup"))
    return None


# What a logged-in editor or admin without a second factor may still reach.
ENROLMENT_ENDPOINTS = {"auth.two_factor_setup", "auth.logout"}
