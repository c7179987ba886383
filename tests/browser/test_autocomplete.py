"""Search-box completions in a real browser: keyboard, mouse, ARIA, and only visible words."""

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def member_page(page, live_server, create_resource, create_user, office):
    create_resource(title="Quokkabaum im Park")
    create_resource(title="Quokkageheimnis", visibility="office", organisation=office)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    log_in(page, live_server, create_user().email)
    expect(page.get_by_role("heading", name=re.compile("Willkommen"))).to_be_visible()
    return page


def test_the_header_box_completes_visible_words_and_searches_by_keyboard(member_page):
    page = member_page
    box = page.get_by_role("combobox", name="Wissensportal durchsuchen")
    expect(box).to_have_attribute("aria-autocomplete", "list")
    expect(box).to_have_attribute("aria-expanded", "false")
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    expect(listbox).to_be_hidden()

    box.press_sequentially("Quokk", delay=40)
    expect(listbox).to_be_visible()
    expect(listbox).to_have_attribute("role", "listbox")
    expect(listbox).to_have_accessible_name("Suchvorschläge")
    options = listbox.get_by_role("option")
    expect(options).to_have_text(["Quokkabaum"])  # never the office's Quokkageheimnis
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.first).to_have_attribute("aria-selected", "false")
    assert box.get_attribute("aria-activedescendant") is None
    expect(page.get_by_role("status").filter(has_text="1 Vorschlag verfügbar")).to_have_count(1)

    page.keyboard.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    assert page.evaluate("document.activeElement.id") == "header-search-q"  # focus stays
    expect(box).to_have_value("Quokk")  # manual selection: Enter takes it

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Quokkabaum$"))
    expect(page.locator("#results-heading")).to_have_text("1 Treffer")
    expect(page.get_by_role("link", name="Quokkabaum im Park")).to_be_visible()
    assert page.console_errors == []


def test_escape_closes_the_list_and_a_second_escape_clears_the_box(member_page, live_server):
    page = member_page
    page.goto(f"{live_server}/search/")
    box = page.get_by_role("combobox", name="Suchbegriffe")
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    box.press_sequentially("Quokk", delay=40)
    expect(listbox.get_by_role("option")).to_have_text(["Quokkabaum"])

    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("Quokk")

    page.keyboard.press("ArrowDown")  # opens the list again
    expect(listbox).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(box).to_have_value("")
    expect(listbox).to_be_hidden()
    assert page.console_errors == []


def test_a_click_on_a_suggestion_takes_it_and_tab_closes_the_list(member_page, live_server):
    page = member_page
    box = page.get_by_role("combobox", name="Wissensportal durchsuchen")
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    box.press_sequentially("Menschen quokk", delay=20)
    expect(listbox.get_by_role("option")).to_have_text(["Menschen Quokkabaum"])
    page.keyboard.press("Tab")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")

    box.focus()
    box.press("End")
    box.press_sequentially("a", delay=20)
    option = listbox.get_by_role("option", name="Menschen Quokkabaum")
    option.click()
    expect(page).to_have_url(re.compile(r"/search/\?q=Menschen\+Quokkabaum$"))
    assert page.console_errors == []


def test_nothing_is_suggested_for_words_only_hidden_resources_contain(member_page):
    page = member_page
    box = page.get_by_role("combobox", name="Wissensportal durchsuchen")
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    with page.expect_response(re.compile(r"/search/complete\?q=Quokkag")) as answer:
        box.press_sequentially("Quokkag", delay=40)
    assert answer.value.json() == {"query": "Quokkag", "suggestions": []}
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
