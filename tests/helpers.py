"""Plain helpers the test modules share (fixtures live in the conftest files).

Test modules import from here, never from another test module or a conftest.
"""

import socket

from flask import url_for

from portal.files.pdf import text_pdf

# A passphrase that satisfies the policy; tests use it unless they test the policy.
PASSWORD = "Tulpen wachsen leise im Regen 42"


class AuthActions:
    """Log a test client in and out through the real forms."""

    def __init__(self, client):
        self._client = client

    def login(self, email, password=PASSWORD, next=None, follow=False):
        data = {"email": email, "password": password}
        if next is not None:
            data["next"] = next
        return self._client.post("/auth/login", data=data, follow_redirects=follow)

    def logout(self):
        return self._client.post("/auth/logout")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_pdf(text: str = "Grüße aus Köln", catalog: bytes = b"", extra=()) -> bytes:
    """A one-page PDF showing `text`; `catalog` and `extra` (objects 6, 7, ...) add content."""
    return text_pdf([text], catalog, extra)


# --- routes, enumerated from the URL map ---------------------------------------------------


def rules(app):
    """Every URL rule of the app except static files."""
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def example_url(app, rule) -> str:
    """A URL for `rule` with made-up values for its arguments."""
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        name = type(converter).__name__
        if name == "IntegerConverter":
            values[arg] = 1
        elif name == "AnyConverter":
            values[arg] = sorted(converter.items)[0]
        else:
            values[arg] = "x"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


# --- the browser ---------------------------------------------------------------------------


def log_in(page, base, email, password=PASSWORD):
    """Log in through the login form of a live server in a Playwright page."""
    page.goto(f"{base}/auth/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden").click()
