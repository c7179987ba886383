"""Saved searches: new-match counts, visits, private feeds and daily alerts (all visibility-safe)."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from defusedxml import ElementTree as ET
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.saved.models import SavedSearch
from portal.saved.services import send_alerts
from portal.timeutil import utcnow

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def other_org(create_org):
    return create_org(slug="fbs-sued")


@pytest.fixture
def publish(create_resource):
    """A published resource about Lohnwucher, `hours_ago` hours old."""

    def make(title, hours_ago=0, **fields):
        return create_resource(
            title=title,
            summary=fields.pop("summary", "Lohnwucher und Arbeitsausbeutung"),
            published_at=utcnow() - timedelta(hours=hours_ago),
            **fields,
        )

    return make


@pytest.fixture
def saved_search(app, client, login_as):
    """Log in a member and save the search "Lohnwucher" through the form."""
    user = login_as("member")
    response = client.post(
        "/saved/", data={"name": "Lohnwucher", "search": "q=Lohnwucher&type=case_law&page=3"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        saved = db.session.scalar(select(SavedSearch))
        assert (saved.query, saved.mode, saved.filters) == (
            "Lohnwucher",
            "search",
            {"type": ["case_law"]},
        )
        db.session.expunge(saved)
    return SimpleNamespace(user=user, saved=saved)


def _set_last_seen(app, saved_id, when):
    with app.app_context():
        db.session.get(SavedSearch, saved_id).last_seen_at = when
        db.session.commit()


def test_saving_needs_a_name_and_valid_parameters(client, login_as):
    login_as("member")
    assert client.post("/saved/", data={"name": "", "search": "q=x"}).status_code == 400
    response = client.post("/saved/", data={"name": "Kaputt", "search": "q=x&per_page=0"})
    assert response.status_code == 400
    assert "ungültige Angaben" in response.get_data(as_text=True)


def test_the_list_counts_only_new_visible_matches_and_opening_resets_it(
    app, client, saved_search, publish, other_org
):
    saved = saved_search.saved
    _set_last_seen(app, saved.id, utcnow() - timedelta(hours=5))
    publish("Altes Urteil zu Lohnwucher", hours_ago=10)
    new = publish("Neues Urteil zu Lohnwucher", hours_ago=1)
    publish("Neue Schulung Lohnwucher", hours_ago=1, type="training_material")
    publish(
        "Geheimes Urteil Lohnwucher", hours_ago=1, organisation=other_org, visibility="organisation"
    )

    page = client.get("/saved/").get_data(as_text=True)
    assert 'data-new="1"' in page

    detail = client.get(f"/saved/{saved.id}").get_data(as_text=True)
    assert "Neues Urteil zu Lohnwucher" in detail and "Altes Urteil" in detail
    assert "Geheimes" not in detail and "Schulung" not in detail
    assert detail.count("badge") == 1 and new.title in detail
    assert 'data-new="0"' in client.get("/saved/").get_data(as_text=True)


def test_nobody_opens_someone_elses_saved_search(app, client, saved_search, auth, create_user):
    auth.logout()
    auth.login(create_user().email)
    assert client.get(f"/saved/{saved_search.saved.id}").status_code == 404
    assert client.post(f"/saved/{saved_search.saved.id}/delete").status_code == 404
    assert client.post(f"/saved/{saved_search.saved.id}/feed").status_code == 404


def _feed_url(client, saved_id) -> str:
    import re

    page = client.post(f"/saved/{saved_id}/feed").get_data(as_text=True)
    return re.search(r"http://portal\.test(/feeds/[A-Za-z0-9_-]+\.atom)", page).group(1)


def test_the_feed_works_without_login_and_shows_only_what_the_owner_may_see(
    app, client, saved_search, publish, other_org, auth
):
    publish("Sichtbares Urteil zu Lohnwucher", hours_ago=2, summary="Lohnwucher öffentlich")
    publish(
        "Geheimes Urteil Lohnwucher",
        hours_ago=1,
        organisation=other_org,
        visibility="organisation",
        summary="Lohnwucher geheim",
    )
    path = _feed_url(client, saved_search.saved.id)
    auth.logout()
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == ["Sichtbares Urteil zu Lohnwucher"]
    assert b"geheim" not in response.data.lower()


def test_a_revoked_or_renewed_feed_token_answers_404(app, client, saved_search):
    saved_id = saved_search.saved.id
    old = _feed_url(client, saved_id)
    new = _feed_url(client, saved_id)
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    client.post(f"/saved/{saved_id}/feed/revoke")
    assert anonymous.get(new).status_code == 404
    assert anonymous.get("/feeds/nonsense.atom").status_code == 404


def test_the_feed_stops_when_the_owner_is_deactivated(app, client, saved_search):
    path = _feed_url(client, saved_search.saved.id)
    with app.app_context():
        db.session.get(User, saved_search.user.id).active = False
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_alerts_mail_new_visible_matches_once_a_day(
    app, client, saved_search, publish, other_org, smtp_sink
):
    saved = saved_search.saved
    client.post(f"/saved/{saved.id}/alerts", data={"enabled": "1"})
    with app.app_context():
        db.session.get(SavedSearch, saved.id).created_at = utcnow() - timedelta(days=1)
        db.session.commit()
    publish("Neues Urteil zu Lohnwucher", hours_ago=2)
    publish(
        "Geheimes Urteil Lohnwucher", hours_ago=2, organisation=other_org, visibility="organisation"
    )

    with app.app_context():
        assert send_alerts(date(2030, 1, 1)) == 1
        assert send_alerts(date(2030, 1, 1)) == 0  # idempotent per day
    [mail] = smtp_sink.to(saved_search.user.email)
    body = smtp_sink.body(mail)
    assert "Neues Urteil zu Lohnwucher" in body and "Geheimes" not in body
    assert f"http://portal.test/saved/{saved.id}" in body
    assert "Lohnwucher" in mail["Subject"]

    # The next day: nothing new, no mail.
    with app.app_context():
        assert send_alerts(date(2030, 1, 2)) == 0


def test_send_alerts_command_runs(runner, app, saved_search, smtp_sink):
    result = runner.invoke(args=["send-alerts"])
    assert result.exit_code == 0, result.output
    assert "Sent 0 alert e-mails." in result.output


def test_the_search_page_offers_to_save_the_search_with_its_filters(client, login_as):
    login_as("member")
    page = client.get("/search/?q=Lohnwucher&type=case_law").get_data(as_text=True)
    assert 'action="/saved/' in page
    assert 'name="search" value="q=Lohnwucher&amp;type=case_law"' in page
    assert "Suche speichern" in page


def test_a_saved_description_runs_in_describe_mode_in_its_list_feed_and_alerts(
    app, client, login_as, publish, other_org, auth, smtp_sink
):
    from urllib.parse import urlencode

    user = login_as("member")
    description = (
        "Eine Saisonarbeiterin aus der Ukraine erntet Spargel, wird nach Kisten bezahlt und "
        "kommt auf weniger als vier Euro die Stunde; für den Wohncontainer wird viel abgezogen. "
    ) * 12
    assert 1000 < len(description) <= 5000
    publish("Erntehelfer und Stundenlohn", hours_ago=30, summary="Spargel nach Kisten bezahlt")
    search = urlencode({"q": description, "mode": "describe", "legal_area": "arbeitsrecht"})
    response = client.post("/saved/", data={"name": "Erntehelfer", "search": search})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        saved = db.session.scalar(select(SavedSearch))
        assert (saved.query, saved.mode) == (description.strip(), "describe")
        assert saved.filters == {"legal_area": ["arbeitsrecht"]}
        saved.created_at = saved.last_seen_at = utcnow() - timedelta(hours=5)
        db.session.commit()
        saved_id = saved.id
    # No word of the search box syntax would match: every word of the description must.
    new = publish(
        "Saisonarbeit: Lohnwucher bei der Spargelernte",
        hours_ago=1,
        summary="Spargel, Kisten, Wohncontainer",
        legal_areas=["arbeitsrecht"],
    )
    publish(
        "Geheim: Spargelernte und Wohncontainer",
        hours_ago=1,
        organisation=other_org,
        visibility="organisation",
        legal_areas=["arbeitsrecht"],
    )
    publish("Spargel im Strafrecht", hours_ago=1, legal_areas=["strafrecht"])

    assert 'data-new="1"' in client.get("/saved/").get_data(as_text=True)
    detail = client.get(f"/saved/{saved_id}").get_data(as_text=True)
    assert new.title in detail and "Geheim" not in detail and "im Strafrecht" not in detail

    path = _feed_url(client, saved_id)
    client.post(f"/saved/{saved_id}/alerts", data={"enabled": "1"})
    auth.logout()
    feed = ET.fromstring(app.test_client().get(path).data)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == [new.title]
    with app.app_context():
        db.session.get(SavedSearch, saved_id).last_seen_at = utcnow() - timedelta(hours=5)
        db.session.commit()
        assert send_alerts(date(2030, 1, 1)) == 1
    [mail] = smtp_sink.to(user.email)
    assert new.title in smtp_sink.body(mail) and "Geheim" not in smtp_sink.body(mail)


def test_a_saved_searchs_page_names_its_filters_and_each_hits_court_file_number_and_date(
    app, client, login_as, create_resource
):
    user = login_as("member")
    create_resource(
        title="Aufenthalt nach Ausbeutung",
        court="BVerwG",
        file_number="1 C 2.20",
        decision_date=date(2021, 5, 4),
        legal_areas=["aufenthaltsrecht"],
    )
    with app.app_context():
        saved = SavedSearch(
            user_id=user.id,
            name="Aufenthalt",
            query="Aufenthalt",
            filters={"type": ["case_law"], "date_from": "2020-01-01"},
        )
        db.session.add(saved)
        db.session.commit()
        saved_id = saved.id
    page = client.get(f"/saved/{saved_id}").text
    assert "<dt>Art</dt><dd>Rechtsprechung</dd>" in page
    assert "<dt>Datum ab</dt><dd>01.01.2020</dd>" in page
    hit = page[page.index("Aufenthalt nach Ausbeutung") :]
    assert "BVerwG" in hit and "04.05.2021" in hit and "1 C 2.20" in hit
