"""Notifications: who hears of which step, following, mail settings, digests, unsubscribe, API."""

import re
from datetime import date, timedelta

import pytest

from portal.auth.models import User
from portal.extensions import db
from portal.notifications import digests, services
from portal.notifications.models import Follow, Notification
from portal.resources.models import Resource
from tests.helpers import logged_in_client, save_edit

pytestmark = pytest.mark.usefixtures("no_rate_limits")


@pytest.fixture
def no_rate_limits(app):
    app.config["RATELIMIT_ENABLED"] = False


@pytest.fixture
def people(create_user, create_org, office, member_org):
    other_org = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    return {
        "author": create_user(name="Anna Autorin"),
        "colleague": create_user(name="Kai Kollege"),
        "stranger": create_user(organisation=other_org, name="Sina Süd"),
        "editor": create_user(role="editor", organisation=office, name="Eda Redaktion"),
        "other_org": other_org,
    }


def _texts(app, user) -> list[str]:
    with app.app_context():
        person = db.session.get(User, user.id)
        return [
            services.text(n) for n in db.session.scalars(services.visible_notifications(person))
        ]


def _step(app, user, resource, action, **data):
    response = logged_in_client(app, user).post(
        f"/resources/{resource.id}/{action}", data={"version": "1", **data}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_submitted_entry_is_announced_to_the_editors_at_once_and_to_nobody_else(
    app, people, create_resource, smtp_sink
):
    entry = create_resource(title="Urteil zu § 232a", status="draft", author_id=people["author"].id)
    _step(app, people["author"], entry, "submit")
    assert _texts(app, people["editor"]) == ["„Urteil zu § 232a“ wurde zur Prüfung eingereicht."]
    assert _texts(app, people["colleague"]) == _texts(app, people["stranger"]) == []
    mail = smtp_sink.to(people["editor"].email)
    assert len(mail) == 1 and "Urteil zu § 232a" in smtp_sink.body(mail[0])
    assert "/notifications/unsubscribe/" in smtp_sink.body(mail[0])


def test_publishing_tells_the_author_and_the_organisation_but_not_other_organisations(
    app, people, create_resource, client, auth
):
    entry = create_resource(
        title="Beschluss Nord", status="submitted", author_id=people["author"].id
    )
    _step(app, people["editor"], entry, "publish")
    for person in ("author", "colleague"):
        assert _texts(app, people[person]) == ["„Beschluss Nord“ wurde veröffentlicht."]
    assert _texts(app, people["stranger"]) == []
    auth.login(people["colleague"].email)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'class="badge">1<span class="visually-hidden"> ungelesen', page)
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "„Beschluss Nord“ wurde veröffentlicht." in listing
    assert client.post("/notifications/read-all").status_code == 302
    assert "ungelesen" not in client.get("/").get_data(as_text=True)


def test_a_return_mails_the_author_the_comment_and_tells_colleagues_without_it(
    app, people, create_resource, smtp_sink
):
    entry = create_resource(
        title="Schulung Ausbeutung", status="submitted", author_id=people["author"].id
    )
    _step(app, people["editor"], entry, "return", comment="Bitte Quelle ergänzen")
    author_mail = smtp_sink.to(people["author"].email)
    assert len(author_mail) == 1
    assert "Bitte Quelle ergänzen" in smtp_sink.body(author_mail[0])
    assert author_mail[0]["Subject"] == "Ihr Eintrag wurde zur Überarbeitung zurückgegeben"
    colleague_mail = smtp_sink.to(people["colleague"].email)
    assert len(colleague_mail) == 1
    assert "Bitte Quelle ergänzen" not in smtp_sink.body(colleague_mail[0])
    assert smtp_sink.to(people["stranger"].email) == []


def test_a_returned_entry_with_personal_data_is_not_announced_to_colleagues(
    app, people, create_resource
):
    entry = create_resource(
        title="Fall Nord",
        status="submitted",
        author_id=people["author"].id,
        summary="Die Betroffene Maria Muster, geboren am 03.04.1990, sagte aus.",
    )
    _step(app, people["editor"], entry, "return", comment="Bitte anonymisieren")
    assert _texts(app, people["author"]) == ["„Fall Nord“ wurde zur Überarbeitung zurückgegeben."]
    assert _texts(app, people["colleague"]) == []


def _follow(app, user, target_type, target_key):
    response = logged_in_client(app, user).post(
        "/notifications/follow", data={"target_type": target_type, "target_key": target_key}
    )
    assert response.status_code == 302


def test_following_a_paragraph_hears_of_its_sentences_but_not_of_the_next_paragraph(
    app, people, create_resource
):
    _follow(app, people["stranger"], "norm", "AufenthG § 25 Abs. 4a")
    hit = create_resource(
        title="Aufenthalt 4a", status="submitted", norms=["§ 25 Abs. 4a Satz 3 AufenthG"]
    )
    miss = create_resource(
        title="Aufenthalt 4b", status="submitted", norms=["§ 25 Abs. 4b AufenthG"]
    )
    _step(app, people["editor"], hit, "publish")
    _step(app, people["editor"], miss, "publish")
    assert _texts(app, people["stranger"]) == [
        "Neu veröffentlicht: „Aufenthalt 4a“ (Sie folgen: § 25 Abs. 4a AufenthG)."
    ]


@pytest.mark.parametrize(
    ("target_type", "target_key", "fields"),
    [
        ("court", "bgh", {"court": "BGH"}),
        ("topic", "strafrecht", {"legal_areas": ["strafrecht"]}),
        ("organisation", "fbs-nord", {}),
    ],
)
def test_following_a_court_a_topic_or_an_organisation_hears_of_new_entries(
    app, people, create_resource, target_type, target_key, fields
):
    entry = create_resource(title="Neu im Netzwerk", status="submitted", **fields)
    _follow(app, people["stranger"], target_type, target_key)
    _step(app, people["editor"], entry, "publish")
    assert len(_texts(app, people["stranger"])) == 1
    assert "Neu im Netzwerk" in _texts(app, people["stranger"])[0]


def test_an_entry_hidden_from_a_follower_is_never_announced_to_them(app, people, create_resource):
    _follow(app, people["stranger"], "organisation", "fbs-nord")
    entry = create_resource(title="Nur Nord", status="submitted", visibility="organisation")
    _step(app, people["editor"], entry, "publish")
    assert _texts(app, people["stranger"]) == []
    assert _texts(app, people["colleague"]) == ["„Nur Nord“ wurde veröffentlicht."]  # control


def test_an_edit_of_a_followed_entry_tells_its_followers(app, people, create_resource):
    entry = create_resource(title="Leitfaden", type="training_material", summary="Alt")
    _follow(app, people["stranger"], "resource", str(entry.id))
    save_edit(logged_in_client(app, people["editor"]), entry.id, title="Leitfaden", summary="Neu")
    assert _texts(app, people["stranger"]) == ["„Leitfaden“, dem Sie folgen, wurde aktualisiert."]


def test_the_following_page_lists_and_ends_follows(app, people, create_resource):
    client = logged_in_client(app, people["stranger"])
    client.post(
        "/notifications/follow", data={"target_type": "topic", "target_key": "arbeitsrecht"}
    )
    page = client.get("/notifications/following").get_data(as_text=True)
    assert "Arbeitsrecht" in page
    client.post(
        "/notifications/unfollow", data={"target_type": "topic", "target_key": "arbeitsrecht"}
    )
    assert "Sie folgen noch nichts" in client.get("/notifications/following").get_data(as_text=True)


@pytest.mark.parametrize(
    ("target_type", "target_key"),
    [("norm", "kein Gesetz"), ("court", "nirgendwo"), ("topic", "magic"), ("resource", "x")],
)
def test_following_something_unknown_is_refused_with_a_message(
    app, people, target_type, target_key
):
    client = logged_in_client(app, people["stranger"])
    response = client.post(
        "/notifications/follow",
        data={"target_type": target_type, "target_key": target_key},
        follow_redirects=True,
    )
    assert "nicht" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Follow.id))) == 0


def test_a_hidden_entry_cannot_be_followed(app, people, create_resource):
    hidden = create_resource(title="Nur Nord", visibility="organisation")
    _follow(app, people["stranger"], "resource", str(hidden.id))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Follow.id))) == 0


@pytest.mark.parametrize(
    ("follows", "entry_followed", "court_followed"),
    [([], False, False), ([("court", "bgh")], False, True), ([("resource", None)], True, False)],
)
def test_an_entrys_page_shows_which_of_the_entry_and_its_court_the_reader_follows(
    app, people, create_resource, follows, entry_followed, court_followed
):
    entry = create_resource(title="Urteil des BGH", court="BGH")
    for target_type, key in follows:
        _follow(app, people["stranger"], target_type, key or str(entry.id))
    _follow(app, people["colleague"], "resource", str(entry.id))  # someone else's follow

    page = logged_in_client(app, people["stranger"]).get(f"/resources/{entry.id}").text

    buttons = dict(
        (name.strip(), label.strip())
        for label, name in re.findall(
            r'<button type="submit" class="button small secondary">([^<]*)<span '
            r'class="visually-hidden">: ([^<]*)</span>',
            page,
        )
    )
    assert buttons["Urteil des BGH"] == ("Nicht mehr folgen" if entry_followed else "Folgen")
    assert buttons["Bundesgerichtshof"] == ("Nicht mehr folgen" if court_followed else "Folgen")


def _set(app, user, **frequencies):
    with app.app_context():
        person = db.session.get(User, user.id)
        for kind, frequency in frequencies.items():
            services.set_frequency(person, kind, frequency)
        db.session.commit()


def test_a_daily_digest_goes_out_once_a_day_and_lists_only_what_is_still_visible(
    app, people, create_resource, smtp_sink
):
    _set(app, people["colleague"], published="daily")
    shown = create_resource(title="Sichtbar", status="submitted")
    gone = create_resource(title="Bald verborgen", status="submitted")
    for entry in (shown, gone):
        _step(app, people["editor"], entry, "publish")
    assert smtp_sink.to(people["colleague"].email) == []  # daily: no mail yet
    with app.app_context():
        db.session.get(Resource, gone.id).visibility = "office"
        db.session.commit()
        today = date(2026, 12, 3)
        assert digests.send_digests(today) >= 1
        digests.send_digests(today)  # the same day again: nothing more
    mails = smtp_sink.to(people["colleague"].email)
    assert len(mails) == 1
    body = smtp_sink.body(mails[0])
    assert "Sichtbar" in body and "Bald verborgen" not in body
    assert "/notifications/unsubscribe/" in body
    with app.app_context():
        assert digests.send_digests(today + timedelta(days=1)) == 0  # nothing new since


def test_a_weekly_digest_goes_out_once_per_week(app, people, create_resource, smtp_sink):
    _set(app, people["colleague"], published="weekly")
    monday = date(2026, 11, 30)
    with app.app_context():
        for day, title in ((monday, "Montag"), (monday + timedelta(days=2), "Mittwoch")):
            entry = create_resource(title=title, status="submitted")
            _step(app, people["editor"], entry, "publish")
            digests.send_digests(day)
    mails = smtp_sink.to(people["colleague"].email)
    assert len(mails) == 1 and "Montag" in smtp_sink.body(mails[0])
    with app.app_context():
        digests.send_digests(monday + timedelta(days=7))
    mails = smtp_sink.to(people["colleague"].email)
    assert len(mails) == 2 and "Mittwoch" in smtp_sink.body(mails[1])


def test_the_unsubscribe_link_switches_off_one_kind_without_login(
    app, people, create_resource, smtp_sink, client
):
    entry = create_resource(title="Eingang", status="draft", author_id=people["author"].id)
    _step(app, people["author"], entry, "submit")
    link = smtp_sink.last_link(people["editor"].email)
    # the last link is the settings page; the unsubscribe link comes before it
    body = smtp_sink.body(smtp_sink.to(people["editor"].email)[-1])
    link = re.search(r"https?://\S+/notifications/unsubscribe/\S+", body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200  # a look changes nothing
    with app.app_context():
        editor = db.session.get(User, people["editor"].id)
        assert services.frequencies(editor)["submitted"] == "immediate"
    response = client.post(f"/{path}")
    assert response.status_code == 200
    assert "keine E-Mails mehr" in response.get_data(as_text=True)
    with app.app_context():
        editor = db.session.get(User, people["editor"].id)
        chosen = services.frequencies(editor)
        assert chosen["submitted"] == "off" and chosen["returned"] == "immediate"
    assert client.get(f"/{path[:-3]}xyz").status_code == 404


def test_the_settings_page_keeps_the_choices_and_refuses_unknown_values(app, people):
    client = logged_in_client(app, people["colleague"])
    data = {f"frequency-{kind}": "weekly" for kind in services.KINDS}
    data["frequency-followed"] = "hourly"
    response = client.post("/notifications/settings", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Bitte wählen Sie eine der Möglichkeiten." in page
    assert (
        'id="frequency-published-weekly" name="frequency-published" value="weekly" checked' in page
    )
    data["frequency-followed"] = "off"
    assert client.post("/notifications/settings", data=data).status_code == 302
    with app.app_context():
        chosen = services.frequencies(db.session.get(User, people["colleague"].id))
    assert chosen == {**{kind: "weekly" for kind in services.KINDS}, "followed": "off"}


def _bearer(app, user) -> dict:
    from portal.api import services as api_services
    from portal.audit.services import SYSTEM

    with app.app_context():
        _row, token = api_services.create_token(
            db.session.get(User, user.id), "Skript", actor=SYSTEM
        )
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_api_lists_the_token_owners_own_notifications_newest_first(
    app, people, create_resource, client
):
    for title in ("Erster", "Zweiter"):
        entry = create_resource(title=title, status="submitted")
        _step(app, people["editor"], entry, "publish")
    response = client.get("/api/v1/notifications", headers=_bearer(app, people["colleague"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2
    first = body["notifications"][0]
    assert set(first) == {"id", "kind", "created_at", "read", "resource_id", "url", "text"}
    assert first["text"] == "„Zweiter“ wurde veröffentlicht."
    assert (first["kind"], first["read"]) == ("published", False)
    stranger = client.get("/api/v1/notifications", headers=_bearer(app, people["stranger"]))
    assert stranger.get_json()["total"] == 0
    bad = client.get("/api/v1/notifications?limit=0", headers=_bearer(app, people["colleague"]))
    assert bad.status_code == 400


def test_a_followed_saved_search_reports_new_matches_in_the_digest_run(
    app, people, create_resource
):
    from werkzeug.datastructures import MultiDict

    from portal.saved import services as saved

    with app.app_context():
        owner = db.session.get(User, people["stranger"].id)
        search = saved.save_search(owner, "Juju", saved.read_search_args(MultiDict({"q": "Juju"})))
        db.session.commit()
        services.follow(owner, "saved_search", str(search.id))
        db.session.commit()
    entry = create_resource(title="Juju-Schwur vor Gericht", status="submitted")
    _step(app, people["editor"], entry, "publish")
    create_resource(title="Andere Sache", status="published")
    with app.app_context():
        assert digests.check_saved_searches() == 1
        assert digests.check_saved_searches() == 0
    assert _texts(app, people["stranger"]) == [
        "Neuer Treffer für Ihre gespeicherte Suche „Juju“: „Juju-Schwur vor Gericht“."
    ]


def test_nobody_may_mark_or_follow_for_someone_else(app, people, create_resource):
    entry = create_resource(title="Beschluss", status="submitted")
    _step(app, people["editor"], entry, "publish")
    with app.app_context():
        mine = db.session.scalar(
            db.select(Notification.id).where(Notification.user_id == people["colleague"].id)
        )
    client = logged_in_client(app, people["author"])
    client.post(f"/notifications/{mine}/read")
    with app.app_context():
        assert db.session.get(Notification, mine).read_at is None


def test_the_bell_counts_only_unread_notifications_of_entries_still_visible(
    app, people, create_resource
):
    stranger = people["stranger"]
    shown = create_resource(title="Sichtbar", status="published")
    hidden = create_resource(title="Entwurf Nord", status="draft", author_id=people["author"].id)
    with app.app_context():
        person = db.session.get(User, stranger.id)
        assert services.unread_count(person) == 0
        for resource in (shown, hidden):
            db.session.add(
                Notification(user_id=stranger.id, kind="published", resource_id=resource.id)
            )
        db.session.commit()
        assert services.unread_count(person) == 1  # the other organisation's draft is hidden
        services.mark_read(person)
        db.session.commit()
        assert services.unread_count(person) == 0
