"""Every page type, in both languages, at 1280 px and at 390 px (a phone): axe-core finds no
serious or critical violation, and at 390 px no page is wider than the screen. Each page is
loaded once and checked at both widths.

The main pages are photographed into tests/browser/screenshots/ (git-ignored) for reviewers.
"""

from pathlib import Path

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.consultations.models import Consultation
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.orgs.models import Organisation
from portal.questions.models import Question
from portal.resources.models import Court, Resource, ResourceNorm, Revision
from portal.saved.models import SavedSearch

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).with_name("screenshots")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
ADMIN = "admin@kok-demo.example"
#: Pages whose screenshots a reviewer looks at.
MAIN_PAGES = {"dashboard", "search", "case-law", "decision", "edit", "review", "saved", "users"}

RUN_AXE = """async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"],
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  });
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""


@pytest.fixture(scope="module")
def pages(demo_portal) -> dict[str, str]:
    """One address per page type, read from the demo content (name -> path)."""
    app = demo_portal.app
    with app.app_context():
        admin = db.session.scalar(select(User).filter_by(email=ADMIN))
        decision = db.session.scalar(
            select(Resource)
            .where(Resource.type == "case_law", Resource.status == "published")
            .where(Resource.court_id.is_not(None))
            .order_by(Resource.id)
        )
        draft = db.session.scalar(select(Resource).where(Resource.status != "published"))
        revision = db.session.scalar(select(Revision).filter_by(resource_id=decision.id))
        norm = db.session.scalar(select(ResourceNorm).order_by(ResourceNorm.id))
        organisation = db.session.scalar(select(Organisation).order_by(Organisation.id))
        court = db.session.scalar(select(Court).order_by(Court.id))
        public = db.session.scalar(select(Resource).filter_by(visibility="public"))
        saved = SavedSearch(
            user_id=admin.id,
            name="Aufenthalt für Betroffene",
            query="Aufenthaltserlaubnis",
            filters={"type": ["case_law"]},
        )
        question = Question(
            author_id=admin.id,
            organisation_id=admin.organisation_id,
            title="Aufenthalt während des Strafverfahrens?",
            body="Wer hat Erfahrung mit § 25 Abs. 4a AufenthG?",
        )
        db.session.add_all([saved, question])
        db.session.commit()
        return (
            {
                "dashboard": "/",
                "search": "/search/?q=Menschenhandel",
                "search-filtered": "/search/?q=Menschenhandel&type=case_law",
                "describe": "/search/?mode=describe",
                "search-help": "/search/help",
                "knowledge-base": "/resources/",
                "case-law": "/resources/case-law",
                "mine": "/resources/mine",
                "decision": f"/resources/{decision.id}",
                "print": f"/resources/{decision.id}/print",
                "revision": f"/resources/{decision.id}/revisions/{revision.id}",
                "edit": f"/resources/{decision.id}/edit",
                "new": "/resources/new",
                "new-case-law": "/resources/new/case-law",
                "archive": f"/resources/{decision.id}/archive",
                "draft": f"/resources/{draft.id}",
                "publish": f"/resources/{draft.id}/publish",
                "review": "/resources/review",
                "norms": "/norms/",
                "norm": f"/norms/{norm.slug}",
                "organisations": "/organisations/",
                "organisation": f"/organisations/{organisation.slug}",
                "saved": "/saved/",
                "saved-search": f"/saved/{saved.id}",
                "profile": "/auth/profile",
                "two-factor-setup": "/auth/two-factor/setup",
                "privacy": "/privacy",
                "users": "/admin/users",
                "user": f"/admin/users/{admin.id}",
                "invitations": "/admin/invitations",
                "invite": "/admin/invitations/new",
                "admin-organisations": "/admin/organisations",
                "admin-organisation": f"/admin/organisations/{organisation.id}",
                "courts": "/admin/courts",
                "court": f"/admin/courts/{court.id}",
                "audit": "/admin/audit",
                "questions": "/questions/",
                "question-new": "/questions/new",
                "question": f"/questions/{question.id}",
                "newsletter": "/kok-informiert/",
                "notifications": "/notifications/",
                "notification-settings": "/notifications/settings",
                "following": "/notifications/following",
                "public": "/public/",
                "statistics": "/statistics/",
                "dossiers": "/dossiers/",
                "meetings": "/meetings/",
                "consultations": "/consultations/",
                "not-found": "/resources/999999",
            }
            | ({"public-entry": f"/public/{public.id}"} if public else {})
            | {
                # The demo's meeting and consultation, where the demo has them.
                name: f"/{name}s/{number}"
                for name, model in (("meeting", Meeting), ("consultation", Consultation))
                if (number := db.session.scalar(select(model.id).order_by(model.id))) is not None
            }
        )


NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def check(page, axe_source: str, width: int) -> list[str]:
    """axe-core's serious and critical findings, and a page wider than a phone screen."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    problems = page.evaluate(RUN_AXE)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if width < 400 and scroll_width > width:
        problems.append(f"{scroll_width} px wide at {width} px")
    return problems


def check_both_widths(page, axe_source: str, name: str, language: str) -> dict[str, list[str]]:
    """The open page at 1280 px, then narrowed to 390 px (the page's scripts follow the
    resize as on a turned tablet); main pages are photographed at both."""
    found = {}
    for device, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.evaluate(NEXT_FRAME)
        found[f"{name} ({device})"] = check(page, axe_source, viewport["width"])
        if name in MAIN_PAGES:
            page.screenshot(path=SCREENSHOTS / f"{name}-{language}-{device}.png")
    page.set_viewport_size(WIDTHS["desktop"])
    return found


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_page_type_passes_axe_and_fits_the_screen(
    browser, demo_portal, pages, axe_source, language
):
    # bypass_csp: the page's CSP (rightly) refuses the injected axe-core script.
    context = browser.new_context(locale="de-DE", viewport=WIDTHS["desktop"], bypass_csp=True)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    SCREENSHOTS.mkdir(exist_ok=True)
    try:
        page.goto(f"{demo_portal}/auth/login")
        if language == "en":
            page.get_by_role("button", name="English").click()
            page.wait_for_load_state("load")
        found |= check_both_widths(page, axe_source, "login", language)
        page.locator("#email").fill(ADMIN)
        page.locator("#password").fill(demo_portal.passwords[ADMIN])
        page.locator("#password").press("Enter")
        page.wait_for_url(f"{demo_portal}/")
        # The account keeps its own language: set it for this run.
        if (page.locator("html").get_attribute("lang") or "")[:2] != language:
            page.locator(".language-form button").click()
            page.wait_for_load_state("load")
        assert (page.locator("html").get_attribute("lang") or "")[:2] == language
        for name, path in pages.items():
            page.goto(f"{demo_portal}{path}")
            page.wait_for_load_state("load")
            found |= check_both_widths(page, axe_source, name, language)
    finally:
        context.close()
    problems = {name: issues for name, issues in found.items() if issues}
    assert problems == {}, problems
    assert len(found) == 2 * (len(pages) + 1)
