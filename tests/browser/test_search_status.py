"""A member finds the own organisation's drafts with the status facet, by keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import log_in

pytestmark = pytest.mark.browser


def test_a_member_picks_drafts_in_the_status_facet(page, live_server, create_resource, create_user):
    create_resource(title="Eulenfall veröffentlicht")
    create_resource(title="Eulenfall im Entwurf", status="draft")
    log_in(page, live_server, create_user().email)
    page.goto(f"{live_server}/search/?q=Eulenfall")

    hits = page.locator(".hit h3")
    expect(hits).to_have_text(["Eulenfall veröffentlicht"])
    status = page.get_by_role("group", name="Bearbeitungsstand")
    expect(status.get_by_role("checkbox", name=re.compile("Veröffentlicht"))).to_be_checked()
    draft = status.get_by_role("checkbox", name=re.compile(r"Entwurf \(1\)"))
    draft.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Filter anwenden").press("Enter")

    expect(hits).to_have_count(2)
    expect(
        page.locator(".hit", has_text="Eulenfall im Entwurf").locator(".badge-status")
    ).to_have_text("Entwurf")
