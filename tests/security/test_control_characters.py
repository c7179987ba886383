"""Control characters (U+0000 to U+001F, U+007F) never reach the database or break a feed.

They come in through every door: resource forms, organisation and invitation forms, saved
searches, query strings, the JSONL import and the command line. Rows stored before the input
was cleaned must still give feeds that a real XML parser reads.
"""

import json
import re

import pytest
from defusedxml import ElementTree as ET
from flask_wtf import FlaskForm
from sqlalchemy import select

import portal.admin.forms  # noqa: F401 - every form module, so all forms are defined
import portal.api.forms  # noqa: F401
import portal.audit.forms  # noqa: F401
import portal.auth.forms  # noqa: F401
import portal.resources.forms  # noqa: F401
import portal.saved.forms  # noqa: F401
from portal.auth.models import User
from portal.extensions import db
from portal.forms import PortalForm
from portal.orgs.models import Organisation
from portal.resources.models import Resource
from portal.saved.models import SavedSearch
from tests.conftest import PASSWORD
from tests.databases import ON_POSTGRES

ATOM = "{http://www.w3.org/2005/Atom}"
CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f"]
ALL_CONTROLS = "".join(CONTROLS)
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # tab and LF may stay in multi-line text

pytestmark = pytest.mark.usefixtures("no_rate_limits")


def assert_single_line(text: str):
    assert not re.search("[\x00-\x1f\x7f]", text), repr(text)


def assert_multi_line(text: str):
    assert not FORBIDDEN.search(text), repr(text)


def one_resource(app) -> Resource:
    with app.app_context():
        resource = db.session.scalars(select(Resource).order_by(Resource.id.desc())).first()
        db.session.expunge(resource)
        return resource


def training_form(**overrides):
    data = {
        "title": "Schulung",
        "summary": "s",
        "body": "b",
        "tags": "eins, zwei",
        "language": "de",
        "visibility": "members",
        "save": "1",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_a_control_character_typed_into_a_resource_form_is_not_stored(app, client, login_as, char):
    login_as("member")
    response = client.post(
        "/resources/new/training",
        data=training_form(
            title=f"Titel{char}Ende",
            summary=f"Erste Zeile{char}zweite Zeile",
            body=f"Absatz{char}Rest\r\nNeue Zeile",
            tags=f"Lohn{char}wucher, Zwangs{char}arbeit",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    resource = one_resource(app)
    assert_single_line(resource.title)
    assert resource.title in ("TitelEnde", "Titel Ende")
    assert_multi_line(resource.summary)
    assert_multi_line(resource.body)
    assert "\r" not in resource.body and resource.body.endswith("Rest\nNeue Zeile")
    for tag in resource.tags:
        assert_single_line(tag)
    if char in "\t\n":
        assert char in resource.summary  # a text area keeps its tabs and line breaks


def test_a_title_made_only_of_control_characters_counts_as_empty(app, client, login_as):
    login_as("member")
    response = client.post("/resources/new/training", data=training_form(title=ALL_CONTROLS))
    assert response.status_code in (200, 400)  # the form again, with its error
    assert "Pflichtfeld" in response.get_data(as_text=True) or "Bitte" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(Resource.id)) is None


def test_organisation_names_are_cleaned_in_the_admin_form(app, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/organisations/new",
        data={
            "name": f"Beratung{ALL_CONTROLS}Nord",
            "short_name": f"B{ALL_CONTROLS}N",
            "slug": "beratung-nord",
            "kind": "member",
            "city": f"Kiel{ALL_CONTROLS}",
            "description": f"Zeile{ALL_CONTROLS}Ende",
            "active": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        org = db.session.scalar(select(Organisation).filter_by(slug="beratung-nord"))
        assert_single_line(org.name) and assert_single_line(org.short_name)
        assert_single_line(org.city)
        assert_multi_line(org.description)
        assert org.name.startswith("Beratung") and org.name.endswith("Nord")


def test_names_typed_when_accepting_an_invitation_are_cleaned(
    app, client, login_as, smtp_sink, member_org, auth
):
    login_as("admin")
    client.post(
        "/admin/invitations/new",
        data={"email": "neu@beratung.example", "organisation": member_org.id, "role": "member"},
    )
    auth.logout()
    link = smtp_sink.last_link("neu@beratung.example").replace("http://portal.test", "")
    response = app.test_client().post(
        link, data={"name": f"Mara{ALL_CONTROLS}Muster", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="neu@beratung.example"))
        assert_single_line(user.name)
        assert user.name.startswith("Mara") and user.name.endswith("Muster")


def test_command_line_names_are_cleaned(app, runner):
    result = runner.invoke(
        args=["create-org", "cli-org", "--name", f"Stelle{ALL_CONTROLS}Ost", "--city", "A\x0bB"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "create-user",
            "cli@beratung.example",
            "--name",
            f"Kai{ALL_CONTROLS}",
            "--org",
            "cli-org",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        org = db.session.scalar(select(Organisation).filter_by(slug="cli-org"))
        user = db.session.scalar(select(User).filter_by(email="cli@beratung.example"))
        for text in (org.name, org.city, user.name):
            assert_single_line(text)


def feed_of(app, client, name="Lohnwucher", query="q=Lohnwucher") -> ET:
    response = client.post("/saved/", data={"name": name, "search": query})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        saved_id = db.session.scalars(select(SavedSearch.id).order_by(SavedSearch.id.desc()))
        saved_id = saved_id.first()
    page = client.post(f"/saved/{saved_id}/feed").get_data(as_text=True)
    path = re.search(r"http://portal\.test(/feeds/[A-Za-z0-9_-]+\.atom)", page).group(1)
    response = app.test_client().get(path)
    assert response.status_code == 200
    return ET.fromstring(response.data), saved_id


def test_saved_search_names_are_cleaned_and_the_feed_parses(app, client, login_as):
    login_as("member")
    feed, saved_id = feed_of(app, client, name=f"Lohn{ALL_CONTROLS}wucher")
    with app.app_context():
        assert_single_line(db.session.get(SavedSearch, saved_id).name)
    assert_single_line(feed.findtext(f"{ATOM}title"))


def test_a_feed_parses_although_stored_rows_hold_every_control_character(
    app, client, login_as, create_resource
):
    """Rows written before input was cleaned (or by a tool that bypasses the portal)."""
    # PostgreSQL refuses NUL in text columns, so no stored row can hold it there.
    stored = [c for c in CONTROLS if not (ON_POSTGRES and c == "\x00")]
    for i, char in enumerate([*stored, "\ufffe", "\uffff"]):
        create_resource(
            title=f"Lohnwucher {i}{char}Titel",
            summary=f"Lohnwucher Zusammenfassung{char}",
            tags=[f"tag{char}"],
        )
    login_as("member")
    feed, saved_id = feed_of(app, client)
    with app.app_context():
        db.session.get(SavedSearch, saved_id).name = "Alt" + "".join(stored)
        db.session.commit()
    feed, _ = feed_of(app, client)  # a second saved search: parses with a real XML parser
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert len(titles) == len(stored) + 2
    for title in titles:
        assert_multi_line(title)  # tab, CR and LF are valid XML; the rest is gone


def test_query_parameters_lose_control_characters_in_pages_and_the_api(client, login_as):
    login_as("member")
    page = client.get("/search/", query_string={"q": f"Lohn{ALL_CONTROLS}wucher"})
    assert page.status_code == 200
    assert not FORBIDDEN.search(page.get_data(as_text=True))
    api = client.get("/api/v1/search", query_string={"q": "Lohn\x00wucher\x0b", "type": "\x01"})
    assert api.status_code in (200, 400)
    assert api.is_json
    assert not FORBIDDEN.search(json.dumps(api.get_json(), ensure_ascii=False))


@pytest.fixture
def write_jsonl(tmp_path):
    def write(*lines):
        path = tmp_path / "data.jsonl"
        path.write_text(
            "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
            encoding="utf-8",
        )
        return str(path)

    return write


def test_an_import_strips_control_characters_from_every_string(
    app, runner, office, write_jsonl, client, login_as
):
    records = [
        {
            "external_id": f"ctl-{i}",
            "type": "position_paper",
            "title": f"Lohnwucher Stellungnahme {i}{char}Ende",
            "summary": f"Zeile{char}Rest\r\nmehr",
            "body": f"Text{char}Text",
            "tags": [f"Tag{char}"],
            "authors": [f"Autor{char}in"],
            "addressee": f"Ministerium{char}",
        }
        for i, char in enumerate([*CONTROLS, "\ud800", "\ufffe"])
    ]
    result = runner.invoke(args=["import", write_jsonl(*records)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for resource in db.session.scalars(select(Resource)):
            assert_single_line(resource.title)
            assert "\ud800" not in resource.title and "\ufffe" not in resource.title
            assert_multi_line(resource.summary)
            assert "\r" not in resource.summary
            assert_multi_line(resource.body)
            for tag in resource.tags:
                assert_single_line(tag)
    login_as("member")
    feed, _ = feed_of(app, client)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert len(titles) == len(records)


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_form_of_the_portal_uses_the_cleaning_base_form(app):
    forms = [f for f in all_subclasses(FlaskForm) if f.__module__.startswith("portal.")]
    assert len(forms) > 20
    assert [f for f in forms if not issubclass(f, PortalForm)] == []
