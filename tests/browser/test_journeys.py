"""The journeys staff make, in a real browser: a member finds a decision and its attachment,
drafts with an attachment and submits; an editor with a second factor returns and publishes;
an editor sets up the second factor when the portal demands it. (The admin's invitation and
its acceptance from the mail: test_first_steps.py.)"""

import re
from datetime import date
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.resources.models import Attachment
from portal.timeutil import utcnow
from tests.helpers import PASSWORD, build_pdf, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config):
    """As in production: editors and admins must log in with a second factor."""
    app_config["TWO_FACTOR_REQUIRED_ROLES"] = ("editor", "admin")
    return app_config


@pytest.fixture
def decisions(app, create_resource):
    """Two decisions citing § 232a StGB; the one of the LG Hamburg has a PDF attachment."""
    create_resource(
        title="Revision zur Zwangsprostitution",
        court="BGH",
        norms=["§ 232a StGB"],
        decision_type="beschluss",
        decision_date=date(2019, 3, 12),
        file_number="3 StR 123/19",
    )
    hamburg = create_resource(
        title="Zwangsprostitution einer Heranwachsenden",
        court="LG Hamburg",
        norms=["§ 232a StGB"],
        decision_type="urteil",
        decision_date=date(2017, 6, 21),
        file_number="621 KLs 14/16",
        attachments=["Urteilsgründe"],
    )
    data = build_pdf("Urteilsgruende im Volltext")
    with app.app_context():
        attachment = db.session.scalar(db.select(Attachment).filter_by(resource_id=hamburg.id))
        attachment.filename, attachment.kind, attachment.mimetype = (
            "Urteil.pdf",
            "pdf",
            "application/pdf",
        )
        attachment.size = len(data)
        folder = Path(app.instance_path) / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / attachment.stored_name).write_bytes(data)
        db.session.commit()
    return hamburg, data


def test_a_member_searches_a_norm_filters_by_court_and_downloads_the_attachment(
    page, live_server, create_user, decisions
):
    hamburg, data = decisions
    log_in(page, live_server, create_user().email)
    box = page.get_by_role("combobox", name="Wissensportal durchsuchen")
    box.fill("§ 232a StGB")
    box.press("Enter")
    results = page.locator("#results-heading")
    expect(results).to_have_text("2 Treffer")

    # The script hides the fallback button once it listens: a box ticked before that (the
    # page still loading on a busy machine) waits for the button, as without JavaScript.
    expect(page.get_by_role("button", name="Filter anwenden")).to_be_hidden()
    court = page.get_by_role("group", name="Gericht")
    court.get_by_role("checkbox", name="LG Hamburg (1)").check()  # applies at once
    expect(results).to_have_text("1 Treffer")
    expect(page).to_have_url(re.compile(r"court=\d+"))
    expect(page.get_by_role("button", name="Filter anwenden")).to_be_hidden()
    expect(court.get_by_role("checkbox", name="LG Hamburg (1)")).to_be_checked()

    page.get_by_role("link", name="Zwangsprostitution einer Heranwachsenden").click()
    expect(page.locator("#citation-text")).to_have_text(
        "LG Hamburg, Urt. v. 21.06.2017 – 621 KLs 14/16"
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Urteil.pdf").click()
    assert download.value.suggested_filename == "Urteil.pdf"
    assert Path(download.value.path()).read_bytes() == data


def test_a_member_drafts_with_an_attachment_and_submits_it(
    page, live_server, create_user, tmp_path
):
    handout = tmp_path / "Handout Arbeitsausbeutung.pdf"
    handout.write_bytes(build_pdf("Handout zur Arbeitsausbeutung"))
    log_in(page, live_server, create_user(name="Mara Beraterin").email)
    page.get_by_role("link", name="Neuen Eintrag anlegen").first.click()
    page.locator("main .card-list").get_by_role("link", name="Schulungsmaterial").click()
    page.get_by_label("Titel").fill("Schulung: Arbeitsausbeutung erkennen")
    page.get_by_label("Kurzfassung").fill("Folien und Handout für Beratungsstellen.")
    page.get_by_label("Anhänge").set_input_files(handout)
    page.get_by_role("button", name="Speichern", exact=True).click()

    expect(page.get_by_text("Der Entwurf wurde gespeichert.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Schulung: Arbeitsausbeutung erkennen"
    )
    expect(page.get_by_role("link", name="Handout Arbeitsausbeutung.pdf")).to_be_visible()

    page.get_by_role("link", name="Zur Prüfung einreichen").click()
    page.get_by_label("Kommentar").fill("Bitte bis Monatsende prüfen.")
    page.get_by_role("button", name="Zur Prüfung einreichen").click()
    expect(page.get_by_text("Zur Prüfung eingereicht.")).to_be_visible()
    expect(page.locator(".resource .meta .badge")).to_have_text("Eingereicht")


def test_an_editor_with_a_second_factor_returns_one_entry_and_publishes_another(
    app, page, live_server, create_user, create_resource, office
):
    secret = pyotp.random_base32()
    editor = create_user(
        role="editor",
        organisation=office,
        name="Ruth Redaktion",
        totp_secret=secret,
        totp_enabled_at=utcnow(),
    )
    create_resource(
        title="Entwurf mit Namen",
        status="submitted",
        summary="Die Geschädigte Anna Müller sagte aus.",
    )
    create_resource(title="Sauberer Entwurf", status="submitted", summary="Die Kammer verurteilte.")

    log_in(page, live_server, editor.email)
    page.get_by_label("Bestätigungscode").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.get_by_role("heading", name="Willkommen, Ruth Redaktion")).to_be_visible()

    review = page.get_by_role("link", name=re.compile(r"^Prüfung 2 offen$"))
    expect(review).to_be_visible()
    review.click()

    page.get_by_role("link", name="Entwurf mit Namen").click()
    page.get_by_role("link", name="Zurückgeben").click()
    expect(page.locator(".findings mark")).to_have_text(["Anna Müller"])
    page.get_by_label("Kommentar").fill("Bitte den Namen der Geschädigten entfernen.")
    page.get_by_role("button", name="Zurückgeben").click()
    expect(page.get_by_text("Zur Überarbeitung zurückgegeben.").first).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Prüfung 1 offen$")).click()
    page.get_by_role("link", name="Sauberer Entwurf").click()
    page.get_by_role("link", name="Veröffentlichen").click()
    page.get_by_role("button", name="Veröffentlichen").click()
    expect(page.get_by_text("Veröffentlicht.")).to_be_visible()
    expect(page.locator(".main-nav .nav-badge")).to_have_count(0)  # nothing waits any more


def test_an_editor_without_a_second_factor_is_offered_only_the_set_up_and_lands_on_the_dashboard(
    page, live_server, create_user, office
):
    editor = create_user(role="editor", organisation=office, name="Erika Neu")
    log_in(page, live_server, editor.email)
    expect(page).to_have_url(re.compile(r"/auth/two-factor/setup$"))
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(nav.get_by_role("link")).to_have_text(["Zwei-Faktor-Anmeldung einrichten"])
    expect(page.get_by_role("combobox", name="Wissensportal durchsuchen")).to_have_count(0)
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.get_by_role("link", name="Datenschutz")).to_have_count(0)
    expect(page.get_by_role("link", name="KOK-Wissensportal")).to_have_count(0)

    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Aktuelles Passwort").fill(PASSWORD)
    page.get_by_label("Code aus der App").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Zweiten Faktor einrichten").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Ich habe die Codes gesichert").click()
    expect(page.get_by_role("heading", name="Willkommen, Erika Neu")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Prüfung")
    ).to_be_visible()
