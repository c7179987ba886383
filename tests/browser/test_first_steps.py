"""The first steps in a real browser: login, invitation, acceptance, keyboard use."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_an_admin_invites_a_member_who_accepts_and_logs_in(
    page, live_server, create_user, office, member_org, smtp_sink
):
    admin = create_user(role="admin", organisation=office, name="Alex Admin")
    log_in(page, live_server, admin.email)
    expect(page.get_by_role("heading", name="Willkommen, Alex Admin")).to_be_visible()

    page.get_by_role("link", name="Verwaltung").click()
    page.get_by_role("link", name="Person einladen").first.click()
    page.get_by_label("E-Mail-Adresse").fill("neu@beratung.example")
    page.get_by_label("Organisation").select_option(label=member_org.name)
    page.get_by_label("Rolle").select_option("member")
    page.get_by_role("button", name="Einladung senden").click()
    expect(
        page.get_by_text("Die Einladung an neu@beratung.example wurde gesendet.")
    ).to_be_visible()

    page.get_by_role("button", name="Abmelden").click()
    page.goto(smtp_sink.last_link("neu@beratung.example"))
    page.get_by_label("Ihr Name").fill("Nora Neu")
    page.get_by_label("Neues Passwort", exact=True).fill("Ein langer Satz für Nora 2026")
    page.get_by_label("Neues Passwort wiederholen").fill("Ein langer Satz für Nora 2026")
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page.get_by_role("heading", name="Willkommen, Nora Neu")).to_be_visible()

    page.get_by_role("button", name="Abmelden").click()
    log_in(page, live_server, "neu@beratung.example", "Ein langer Satz für Nora 2026")
    expect(page.get_by_role("heading", name="Willkommen, Nora Neu")).to_be_visible()


def test_a_wrong_password_shows_the_generic_message_and_keeps_the_email(
    page, live_server, create_user
):
    user = create_user()
    log_in(page, live_server, user.email, "nicht das richtige Passwort")
    expect(page.get_by_text("E-Mail-Adresse oder Passwort ist falsch.")).to_be_visible()
    assert page.get_by_label("E-Mail-Adresse").input_value() == user.email


def test_the_skip_link_comes_first_and_the_login_works_by_keyboard(page, live_server, create_user):
    user = create_user(name="Kim Tastatur")
    page.goto(f"{live_server}/auth/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Zum Inhalt springen"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Willkommen, Kim Tastatur")).to_be_visible()


def test_pages_load_nothing_from_other_hosts(page, live_server, create_user, office):
    admin = create_user(role="admin", organisation=office)
    log_in(page, live_server, admin.email)
    for path in ["/", "/organisations/", "/auth/profile", "/admin/users", "/admin/invitations"]:
        page.goto(f"{live_server}{path}")
    hosts = {urlsplit(url).netloc for url in page.requested_urls}
    assert hosts == {urlsplit(live_server.url).netloc}


def test_the_layout_adapts_to_a_phone_screen(page, live_server, create_user):
    user = create_user()
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, live_server, user.email)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375
