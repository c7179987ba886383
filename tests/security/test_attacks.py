"""An attacker's view: CSRF, redirects, fixation, escalation, enumeration, brute force, XSS.

Every probe asserts the exact safe answer. Some run over real HTTP against a werkzeug server
on a free port, where the test client could hide what a browser sees.
"""

import http.client
import re
import statistics
import time
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from portal import background
from portal.auth.models import Invitation, User
from portal.extensions import db, limiter
from portal.orgs.models import Organisation
from tests.helpers import PASSWORD

pytestmark = pytest.mark.usefixtures("no_rate_limits")

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


# --- a real server ------------------------------------------------------------------------


class Browser:
    """A minimal cookie-keeping HTTP client that never follows redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        body = urlencode(data) if data is not None else None
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                if morsel["expires"] and "1970" in morsel["expires"] or not morsel.value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        connection.close()
        return response, text

    def csrf(self, path: str) -> str:
        _, text = self.request("GET", path)
        return CSRF_RE.search(text).group(1)

    def login(self, email: str, password: str = PASSWORD):
        token = self.csrf("/auth/login")
        return self.request(
            "POST", "/auth/login", {"email": email, "password": password, "csrf_token": token}
        )


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}  # CSRF on, as in production


def browser_login(client, email, password=PASSWORD):
    token = CSRF_RE.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    return client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token}
    )


def page_token(client, path="/auth/profile") -> str:
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


# --- CSRF ---------------------------------------------------------------------------------


def test_posts_without_a_csrf_token_are_refused_on_every_route(app, client, create_user, office):
    from tests.helpers import example_url, rules

    admin = create_user(role="admin", organisation=office)
    assert browser_login(client, admin.email).status_code == 302
    checked = 0
    for rule in rules(app):
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        response = client.post(example_url(app, rule), data={"role": "admin"})
        assert response.status_code == 400, rule.rule
        assert "Ungültige Anfrage" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 25
    assert client.get("/").status_code == 200  # still logged in, nothing happened


def test_a_token_from_another_session_does_not_count(app, create_user):
    victim, attacker = app.test_client(), app.test_client()
    user = create_user()
    browser_login(victim, user.email)
    browser_login(attacker, create_user().email)
    stolen = page_token(attacker)
    response = victim.post("/auth/profile/language", data={"language": "en", "csrf_token": stolen})
    assert response.status_code == 400


def test_csrf_over_http_with_a_cross_site_form(app, live_server, create_user):
    user = create_user()
    browser = Browser(live_server.port)
    response, _ = browser.login(user.email)
    assert response.status == 302
    response, text = browser.request(
        "POST",
        "/auth/logout",
        {},
        headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"},
    )
    assert response.status == 400
    response, _ = browser.request("GET", "/")
    assert response.status == 200


# --- redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", " //x"],
)
def test_the_language_switch_never_redirects_off_site(client, target):
    token = page_token(client, "/auth/login")
    response = client.post(
        "/language", data={"language": "en", "next": target, "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_an_anonymous_next_parameter_stays_on_site(client):
    response = client.get("/organisations/?x=//evil.example")
    location = response.headers["Location"]
    assert location.startswith("/auth/login?next=/organisations/")


# --- sessions -----------------------------------------------------------------------------


def test_session_fixation_a_planted_cookie_is_not_logged_in(app, live_server, create_user):
    user = create_user()
    attacker = Browser(live_server.port)
    attacker.request("GET", "/auth/login")
    planted = dict(attacker.cookies)
    assert planted["portal_session"]

    victim = Browser(live_server.port)
    victim.cookies = dict(planted)
    response, _ = victim.login(user.email)
    assert response.status == 302
    assert victim.cookies["portal_session"] != planted["portal_session"]
    response, _ = attacker.request("GET", "/")
    assert response.status == 302


def test_a_session_cookie_is_dead_after_logout_over_http(app, live_server, create_user):
    user = create_user()
    browser = Browser(live_server.port)
    browser.login(user.email)
    copied = dict(browser.cookies)
    token = browser.csrf("/auth/profile")
    response, _ = browser.request("POST", "/auth/logout", {"csrf_token": token})
    assert response.status == 302
    thief = Browser(live_server.port)
    thief.cookies = copied
    response, _ = thief.request("GET", "/auth/profile")
    assert response.status == 302 and response.headers["Location"].startswith("/auth/login")


def test_a_copied_cookie_is_dead_after_a_password_change(app, live_server, create_user):
    user = create_user()
    owner, thief = Browser(live_server.port), Browser(live_server.port)
    owner.login(user.email)
    thief.login(user.email)  # a second session, e.g. a stolen one
    token = owner.csrf("/auth/profile")
    new = "Ganz neue Passphrase für den Test"
    response, _ = owner.request(
        "POST",
        "/auth/profile/password",
        {"current_password": PASSWORD, "password": new, "confirm": new, "csrf_token": token},
    )
    assert response.status == 302
    assert thief.request("GET", "/")[0].status == 302
    assert owner.request("GET", "/")[0].status == 200


def test_security_headers_over_http(live_server):
    response, _ = Browser(live_server.port).request("GET", "/auth/login")
    assert response.getheader("Content-Security-Policy").startswith("default-src 'self'")
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Cache-Control") == "no-store"
    assert response.getheader("Access-Control-Allow-Origin") is None
    cookie = response.getheader("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- role escalation ----------------------------------------------------------------------


def test_extra_fields_on_the_profile_change_nothing_but_the_language(
    app, client, create_user, create_org
):
    other = create_org()
    user = create_user()
    browser_login(client, user.email)
    response = client.post(
        "/auth/profile/language",
        data={
            "language": "en",
            "role": "admin",
            "organisation_id": other.id,
            "email": "takeover@example.org",
            "active": "1",
            "csrf_token": page_token(client),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(User, user.id)
        assert (row.role, row.organisation_id, row.email, row.language) == (
            "member",
            user.organisation_id,
            user.email,
            "en",
        )


def test_accepting_an_invitation_cannot_choose_role_or_organisation(
    app, client, create_user, office, create_org, smtp_sink
):
    admin = create_user(role="admin", organisation=office)
    member_org = create_org()
    browser_login(client, admin.email)
    client.post(
        "/admin/invitations/new",
        data={
            "email": "neu@example.org",
            "organisation": member_org.id,
            "role": "member",
            "csrf_token": page_token(client, "/admin/invitations/new"),
        },
    )
    link = smtp_sink.last_link("neu@example.org").replace("http://portal.test", "")
    newcomer = app.test_client()
    token = page_token(newcomer, link)
    response = newcomer.post(
        link,
        data={
            "name": "Neu",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "role": "admin",
            "organisation_id": office.id,
            "organisation": office.id,
            "email": "other@example.org",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "neu@example.org"))
        assert (user.role, user.organisation_id) == ("member", member_org.id)
        assert db.session.scalar(select(User).where(User.email == "other@example.org")) is None


def test_an_editor_cannot_invite_an_admin_by_posting_the_role(app, client, create_user, office):
    editor = create_user(role="editor", organisation=office)
    browser_login(client, editor.email)
    response = client.post(
        "/admin/invitations/new",
        data={
            "email": "boss@example.org",
            "organisation": office.id,
            "role": "admin",
            "csrf_token": page_token(client, "/admin/invitations/new"),
        },
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True) or "gültig" in (
        response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.scalars(select(Invitation)).all() == []


@pytest.mark.parametrize("role", ["member", "editor"])
def test_members_and_editors_cannot_change_roles(app, client, create_user, office, role):
    actor = create_user(role=role, organisation=office)
    victim = create_user()
    browser_login(client, actor.email)
    token = page_token(client)
    response = client.post(
        f"/admin/users/{actor.id}",
        data={"organisation": office.id, "role": "admin", "csrf_token": token},
    )
    assert response.status_code == 403
    assert (
        client.post(
            f"/admin/users/{victim.id}/delete", data={"confirm": victim.email, "csrf_token": token}
        ).status_code
        == 403
    )
    with app.app_context():
        assert db.session.get(User, actor.id).role == role


def test_an_admin_cannot_demote_or_deactivate_themselves(app, client, create_user, office):
    admin = create_user(role="admin", organisation=office)
    browser_login(client, admin.email)
    token = page_token(client)
    client.post(
        f"/admin/users/{admin.id}",
        data={"organisation": office.id, "role": "member", "csrf_token": token},
    )
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0", "csrf_token": token})
    with app.app_context():
        row = db.session.get(User, admin.id)
        assert (row.role, row.active) == ("admin", True)


# --- enumeration ----------------------------------------------------------------------------


def _median_times(first, second, rounds=21):
    """Median durations of two probes, alternated so load changes hit both alike."""
    times = ([], [])
    for _ in range(rounds):
        for fn, bucket in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def _normalise(text: str, *emails: str) -> str:
    text = CSRF_RE.sub('name="csrf_token" value=""', text)
    for email in emails:
        text = text.replace(email, "EMAIL")
    return text


@pytest.mark.real_argon2
@pytest.mark.slow
def test_login_answers_and_timing_do_not_reveal_accounts(app, client, create_user):
    user = create_user(email="exists@example.org")
    token = page_token(client, "/auth/login")

    def attempt(email):
        return client.post(
            "/auth/login",
            data={"email": email, "password": "wrong but long enough", "csrf_token": token},
        )

    known = attempt(user.email).get_data(as_text=True)
    unknown = attempt("nobody@example.org").get_data(as_text=True)
    assert _normalise(known, user.email) == _normalise(unknown, "nobody@example.org")
    app.config["LOGIN_LOCKOUT_THRESHOLD"] = 1000
    existing, missing = _median_times(
        lambda: attempt(user.email), lambda: attempt("nobody@example.org")
    )
    assert 0.5 < existing / missing < 2.0, (existing, missing)


@pytest.mark.real_argon2
@pytest.mark.slow
def test_password_reset_answers_and_timing_do_not_reveal_accounts(app, client, create_user):
    user = create_user(email="exists@example.org")
    token = page_token(client, "/auth/login")

    def attempt(email):
        response = client.post("/auth/forgot-password", data={"email": email, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
        return client.get("/auth/login").get_data(as_text=True)

    def answer(email):
        # The reset mail is prepared after the answer; time the answer alone and let the
        # background work finish outside the measurement, as it would between two probes.
        started = time.perf_counter()
        response = client.post("/auth/forgot-password", data={"email": email, "csrf_token": token})
        elapsed = time.perf_counter() - started
        assert response.status_code == 302
        background.wait_idle()
        return elapsed

    assert _normalise(attempt(user.email)) == _normalise(attempt("nobody@example.org"))
    durations = ([], [])
    for _ in range(21):
        durations[0].append(answer(user.email))
        durations[1].append(answer("nobody@example.org"))
    existing, missing = (statistics.median(d) for d in durations)
    assert 0.5 < existing / missing < 2.0, (existing, missing)


def test_invitation_links_do_not_reveal_whether_they_ever_existed(
    app, client, create_user, office, smtp_sink
):
    admin = create_user(role="admin", organisation=office)
    browser_login(client, admin.email)
    client.post(
        "/admin/invitations/new",
        data={
            "email": "neu@example.org",
            "organisation": office.id,
            "role": "member",
            "csrf_token": page_token(client, "/admin/invitations/new"),
        },
    )
    link = smtp_sink.last_link("neu@example.org").replace("http://portal.test", "")
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
    client.post(
        f"/admin/invitations/{invitation.id}/revoke",
        data={"csrf_token": page_token(client, "/admin/invitations")},
    )
    stranger = app.test_client()
    revoked = stranger.get(link)
    forged = stranger.get("/auth/invitation/forged.token.value")
    assert revoked.status_code == forged.status_code == 400
    same = [
        re.sub(
            r"/auth/invitation/[^\"]+",
            "/auth/invitation/TOKEN",
            _normalise(r.get_data(as_text=True)),
        )
        for r in (revoked, forged)
    ]
    assert same[0] == same[1]


def test_inviting_an_existing_account_is_told_only_to_staff(app, client, create_user, office):
    existing = create_user(email="da@example.org")
    assert existing  # the invitation form is behind the editor guard; anonymous users never see it
    assert client.get("/admin/invitations/new").status_code == 302


# --- brute force ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, data",
    [
        ("/auth/login", {"email": "a@example.org", "password": "x" * 20}),
        ("/auth/forgot-password", {"email": "a@example.org"}),
    ],
)
def test_brute_force_gets_a_readable_german_429(app, client, path, data):
    limiter.enabled = True
    token = page_token(client, "/auth/login")
    statuses = []
    for _ in range(12):
        response = client.post(path, data={**data, "csrf_token": token})
        statuses.append(response.status_code)
    assert statuses[-1] == 429
    page = response.get_data(as_text=True)
    assert "Zu viele Anfragen" in page and 'lang="de"' in page


# --- stored XSS ---------------------------------------------------------------------------


class _Markup(HTMLParser):
    """Collects what could run script: script-like tags, handlers, style, script URLs."""

    DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "base", "form", "meta", "svg"}
    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset"}

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in self.DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag}[{name}]")
            if name in self.URL_ATTRIBUTES and value.startswith(("javascript:", "vbscript:")):
                self.problems.append(f"{tag}[{name}={value[:30]}]")
            if name in self.URL_ATTRIBUTES and value.startswith("data:") and tag != "img":
                self.problems.append(f"{tag}[{name}=data:]")


def script_risks(page: str) -> list[str]:
    """Risky markup in the page's main content (the portal's own forms are excluded)."""
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    parser = _Markup()
    parser.feed(main)
    return [p for p in parser.problems if p != "<form>"]


PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_organisation_fields_are_escaped_everywhere(app, client, create_user, office, payload):
    admin = create_user(role="admin", organisation=office)
    browser_login(client, admin.email)
    response = client.post(
        "/admin/organisations/new",
        data={
            "name": payload,
            "short_name": payload[:60],
            "slug": "xss",
            "kind": "member",
            "city": payload,
            "focus_areas": payload,
            "description": payload,
            "contact_email": "",
            "contact_phone": payload[:60],
            "website": "",
            "active": "y",
            "csrf_token": page_token(client, "/admin/organisations/new"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    for path in (
        "/organisations/",
        "/organisations/xss",
        "/admin/organisations",
        "/admin/users",
        "/admin/audit",
    ):
        page = client.get(path).get_data(as_text=True)
        assert payload not in page, path
        assert script_risks(page) == [], path


@pytest.mark.parametrize("website", ["javascript:alert(1)", "data:text/html,<script>x</script>"])
def test_an_organisation_website_cannot_be_a_script_link(app, client, create_user, office, website):
    admin = create_user(role="admin", organisation=office)
    browser_login(client, admin.email)
    response = client.post(
        "/admin/organisations/new",
        data={
            "name": "X",
            "slug": "x",
            "kind": "member",
            "website": website,
            "active": "y",
            "csrf_token": page_token(client, "/admin/organisations/new"),
        },
    )
    assert response.status_code == 200  # refused with a message
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.slug == "x")) is None


def test_a_persons_name_is_escaped_in_the_header_and_lists(app, client, create_user, office):
    payload = "<script>alert(1)</script>"
    create_user(name=payload)
    admin = create_user(role="admin", organisation=office, name=payload + "admin")
    browser_login(client, admin.email)
    for path in ("/", "/admin/users", "/auth/profile"):
        page = client.get(path).get_data(as_text=True)
        assert payload not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


MARKDOWN_ATTACKS = [
    ("[klick](javascript:alert(1))", "javascript:"),
    ("<script>alert(1)</script>", "<script>alert"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:text/html"),
    ('<a href="#" style="color:red" onclick="x()">a</a>', "onclick"),
    ("![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)", "data:image/svg"),
]


@pytest.mark.parametrize("body, forbidden", MARKDOWN_ATTACKS)
def test_markdown_bodies_cannot_carry_scripts(
    app, client, create_user, create_resource, body, forbidden
):
    user = create_user()
    resource = create_resource(title="Sicher", body=body, summary=body)
    browser_login(client, user.email)
    for path in (f"/resources/{resource.id}", f"/resources/{resource.id}/print", "/resources/"):
        page = client.get(path).get_data(as_text=True)
        assert script_risks(page) == [], (path, forbidden)


def test_search_terms_are_escaped(app, client, create_user):
    user = create_user()
    browser_login(client, user.email)
    payload = '"><script>alert(1)</script>'
    page = client.get("/search/", query_string={"q": payload}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and script_risks(page) == []


def test_svg_and_html_uploads_are_refused(app, client, create_user, create_resource, member_org):
    import io

    user = create_user(role="member")
    resource = create_resource(organisation=member_org, status="draft", author_id=user.id)
    browser_login(client, user.email)
    token = page_token(client, f"/resources/{resource.id}/edit")
    for name, data in (
        ("bild.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("seite.html", b"<html><script>alert(1)</script></html>"),
        ("tarnung.pdf", b"<html><script>alert(1)</script></html>"),
    ):
        response = client.post(
            f"/resources/{resource.id}/attachments",
            data={"file": (io.BytesIO(data), name), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, name
    with app.app_context():
        from portal.resources.models import Attachment

        assert db.session.scalars(select(Attachment)).all() == []
