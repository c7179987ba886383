"""Search and filter by keyboard alone: the header box, a facet that applies at once, the
focus that stays on the ticked box, the result opened with Enter."""

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import log_in

pytestmark = pytest.mark.browser


def tab_to(page, predicate: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies the JavaScript `predicate` (on `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def test_a_member_searches_and_picks_drafts_in_the_status_facet_by_keyboard(
    page, live_server, create_resource, create_user
):
    create_resource(title="Eulenfall veröffentlicht")
    create_resource(title="Eulenfall im Entwurf", status="draft")
    log_in(page, live_server, create_user().email)
    expect(page.get_by_role("heading", name=re.compile("Willkommen"))).to_be_visible()

    tab_to(page, "el.id === 'header-search-q'")
    page.keyboard.type("Eulenfall")
    page.keyboard.press("Enter")
    hits = page.locator(".hit h3")
    expect(hits).to_have_text(["Eulenfall veröffentlicht"])

    status = page.get_by_role("group", name="Bearbeitungsstand")
    expect(status.get_by_role("checkbox", name=re.compile("Veröffentlicht"))).to_be_checked()
    tab_to(page, "el.type === 'checkbox' && el.value === 'draft'")
    page.keyboard.press("Space")  # the search runs at once

    expect(hits).to_have_count(2)
    expect(page).to_have_url(re.compile(r"status=draft"))
    draft = status.get_by_role("checkbox", name=re.compile(r"Entwurf \(1\)"))
    expect(draft).to_be_checked()
    expect(draft).to_be_focused()  # the keyboard carries on where it was
    expect(
        page.locator(".hit", has_text="Eulenfall im Entwurf").locator(".badge-status")
    ).to_have_text("Entwurf")

    tab_to(page, "el.textContent.trim() === 'Eulenfall im Entwurf'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eulenfall im Entwurf")
