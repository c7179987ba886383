"""Calm pages in a real browser: the header in one row at 1280 px, a folding menu and folding
filters on a phone (results first), the citation's copy button."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.resources.models import Resource

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MEMBER = "beraterin@fbs-nord.example"
ADMIN = "admin@kok-demo.example"


@pytest.fixture
def open_page(browser, demo_portal):
    """A logged-in page of a demo account at a screen size (closed after the test)."""
    contexts = []

    def make(email: str, viewport: dict, **options):
        context = browser.new_context(locale="de-DE", viewport=viewport, **options)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{demo_portal}/auth/login")
        page.get_by_label("E-Mail-Adresse").fill(email)
        page.get_by_label("Passwort", exact=True).fill(demo_portal.passwords[email])
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url(f"{demo_portal}/")
        return page

    yield make
    for context in contexts:
        context.close()


def test_the_header_fits_one_row_at_1280_px_for_an_admin(open_page):
    page = open_page(ADMIN, DESKTOP)
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 64, header
    parts = [".brand", ".main-nav", ".header-search", ".user-box"]
    middles = [
        (box := page.locator(f".site-header {part}").bounding_box())["y"] + box["height"] / 2
        for part in parts
    ]
    assert max(middles) - min(middles) < 12, dict(zip(parts, middles, strict=True))
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(nav.get_by_role("link")).to_have_text(
        ["Wissensdatenbank", "Prüfung", "Normen", "Anfragen", "Statistik", "Verwaltung"]
    )
    expect(page.get_by_role("button", name="Menü")).to_be_hidden()

    more = nav.get_by_role("button", name="Mehr")
    expect(more).to_have_attribute("aria-expanded", "false")
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    saved = nav.get_by_role("link", name="Meine Suchen")
    expect(saved).to_be_visible()
    expect(nav.get_by_role("link", name="Organisationen")).to_be_visible()
    saved.focus()
    page.keyboard.press("Escape")
    expect(saved).to_be_hidden()
    expect(more).to_be_focused()
    more.press("Enter")
    saved.click()
    expect(page).to_have_url(re.compile(r"/saved/$"))
    expect(page.get_by_role("button", name="Mehr")).to_have_class(re.compile("has-current"))


def test_on_a_phone_the_menu_folds_behind_a_toggle_and_the_header_stays_small(open_page):
    page = open_page(MEMBER, PHONE)
    assert page.locator(".site-header").bounding_box()["height"] < 64
    toggle = page.get_by_role("button", name="Menü")
    knowledge = page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Wissensdatenbank"
    )
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "site-menu")
    expect(knowledge).to_be_hidden()

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(knowledge).to_be_visible()
    # In the folded menu every entry is a plain link, "Mehr" is not needed.
    expect(page.get_by_role("button", name="Mehr")).to_be_hidden()
    expect(page.get_by_role("link", name="Meine Suchen")).to_be_visible()
    expect(page.get_by_role("combobox", name="Wissensportal durchsuchen")).to_be_visible()

    knowledge.focus()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(knowledge).to_be_hidden()
    expect(toggle).to_be_focused()


def test_on_a_phone_results_come_first_and_the_filters_fold_behind_a_button(open_page, demo_portal):
    page = open_page(MEMBER, PHONE)
    page.goto(f"{demo_portal}/search/?q=Menschenhandel")
    first_hit = page.locator(".hit h3").first.bounding_box()
    assert first_hit["y"] + first_hit["height"] < PHONE["height"], first_hit  # on the first screen
    court = page.get_by_role("group", name="Gericht")
    expect(court).to_be_hidden()

    toggle = page.get_by_role("button", name="Filter", exact=True)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(court).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_copy_button_copies_the_citation_and_says_so(open_page, demo_portal):
    with demo_portal.app.app_context():
        decision = db.session.scalar(
            select(Resource)
            .where(Resource.type == "case_law", Resource.court_id.is_not(None))
            .where(Resource.file_number != "", Resource.decision_date.is_not(None))
            .order_by(Resource.id)
        )
        decision_id = decision.id
    page = open_page(MEMBER, DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{demo_portal}/resources/{decision_id}")
    citation = page.locator("#citation-text").inner_text()
    assert " v. " in citation and " – " in citation

    page.get_by_role("button", name="Fundstelle kopieren").click()
    expect(page.locator("#citation-status")).to_have_text("Kopiert")
    assert page.evaluate("navigator.clipboard.readText()") == citation


def test_without_javascript_a_phone_gets_the_open_menu_and_the_filter_button(
    open_page, demo_portal
):
    page = open_page(MEMBER, PHONE, java_script_enabled=False)
    page.goto(f"{demo_portal}/search/?q=Menschenhandel")
    expect(page.get_by_role("button", name="Menü")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(nav.get_by_role("link", name="Wissensdatenbank")).to_be_visible()
    expect(page.get_by_role("group", name="Gericht")).to_be_visible()
    apply = page.get_by_role("button", name="Filter anwenden")
    expect(apply).to_be_visible()
    page.get_by_role("group", name="Art").get_by_role("checkbox").first.check()
    expect(page).to_have_url(re.compile(r"/search/\?q=Menschenhandel$"))  # nothing sent yet
    apply.click()
    expect(page).to_have_url(re.compile(r"type=case_law"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_ticked_filter_leaves_empty_fields_out_of_the_address(open_page, demo_portal):
    page = open_page(MEMBER, DESKTOP)
    page.goto(f"{demo_portal}/search/?q=Menschenhandel")
    page.get_by_role("group", name="Art").get_by_role("checkbox").first.check()
    expect(page).to_have_url(re.compile(r"type=case_law"))
    assert "date_from" not in page.url and "date_to" not in page.url
