"""At 390 px (a phone) no page scrolls sideways."""

import pytest

from portal.extensions import db
from portal.saved.models import SavedSearch
from tests.browser.test_first_steps import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def page_width(page, url: str) -> int:
    page.goto(url)
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")


def test_case_law_saved_searches_and_admin_users_fit_a_phone(
    app, page, live_server, create_resource, create_user, create_org, office, member_org
):
    create_org(name="Fachberatungsstelle für Betroffene von Menschenhandel und Zwangsarbeit Süd")
    create_resource(
        title="Menschenhandel zur Ausbeutung der Arbeitskraft – Strafzumessung und Einziehung",
        court="Landessozialgericht Berlin-Brandenburg",
        file_number="3 StR 123/19",
    )
    admin = create_user(
        role="admin", organisation=office, email="verwaltung.geschaeftsstelle@kok-demo.example"
    )
    for i in range(3):
        create_user(
            role="member",
            organisation=member_org,
            name=f"Mitarbeiterin Fachberatungsstelle Nummer {i}",
            email=f"beratung.fachberatungsstelle.nummer{i}@beratungsstelle-beispiel.example",
        )
    with app.app_context():
        db.session.add(
            SavedSearch(
                user_id=admin.id,
                name="Aufenthaltserlaubnis nach § 25 Abs. 4a AufenthG für Betroffene",
                query="Aufenthaltserlaubnis § 25 Abs. 4a AufenthG Menschenhandel Zeugin",
                filters={"court_level": ["bund"], "legal_area": ["aufenthaltsrecht"]},
            )
        )
        db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, live_server, admin.email)
    page.wait_for_load_state("load")
    widths = {
        path: page_width(page, f"{live_server}{path}")
        for path in (
            "/resources/case-law",
            "/saved/",
            "/admin/users",
            "/",
            "/search/?q=Menschenhandel",
        )
    }
    assert all(width <= PHONE["width"] for width in widths.values()), widths
