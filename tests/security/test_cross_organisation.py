"""A member of organisation B probes organisation A's hidden resources by id, everywhere.

Two hidden resources of organisation A: a published one with visibility "organisation" and a
draft. Each has a revision, an attachment file, a rare norm, a court and links from a visible
resource. The outsider (member of B, with an API token, a saved search and its Atom feed) gets
404 on every entry point that names a hidden id, and no answer body ever contains a hidden
title word. The owner sees everything (control, so the probes cannot pass vacuously).
"""

import hashlib
import http.client
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from portal.legal.citations import parse_norm
from portal.resources.models import Attachment, Resource, ResourceLink, Revision
from tests.helpers import PASSWORD

pytestmark = pytest.mark.usefixtures("no_rate_limits")

# Words that occur only in the hidden resources' titles (never in a query we send).
TITLE_WORDS = ("Quokkafund", "Wombatakte")
# A word of their bodies and attachments: the outsider searches for it.
BODY_WORD = "Lemurbericht"
FILE_BYTES = b"Anlage mit Lemurbericht, nur fuer Organisation A.\n"
RARE_NORM = "§ 10 SchwarzArbG"
HIDDEN_COURT = "LAG Hamm"


@dataclass
class World:
    org_only: Resource
    draft: Resource
    visible: Resource
    revisions: dict
    attachments: dict
    links: list
    owner: object
    outsider: object
    outsider_token: str
    owner_token: str
    saved_id: int
    feed_token: str
    owner_feed_token: str

    def hidden(self, which: str) -> Resource:
        return getattr(self, which)


def _store_attachment(resource_id: int, data: bytes) -> int:
    from portal.resources.attachments import upload_folder

    stored = f"{secrets.token_hex(16)}.txt"
    (upload_folder() / stored).write_bytes(data)
    row = Attachment(
        resource_id=resource_id,
        filename="anlage.txt",
        stored_name=stored,
        kind="txt",
        mimetype="text/plain",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        text=data.decode(),
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def _saved_search_with_feed(user_id: int, query: str) -> tuple[int, str]:
    from portal.auth.models import User
    from portal.saved import services as saved

    user = db.session.get(User, user_id)
    search = saved.save_search(user, "Lemuren", saved.read_search_args(MultiDict({"q": query})))
    token = saved.new_feed_token(search)
    return search.id, token


@pytest.fixture
def world(app, create_org, create_user, create_resource, member_org) -> World:
    from portal.api import services as api_services
    from portal.audit.services import SYSTEM
    from portal.resources.revisions import record_revision

    other_org = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    owner = create_user(organisation=member_org)
    outsider = create_user(organisation=other_org)
    common = {
        "organisation": member_org,
        "summary": f"Vertraulicher {BODY_WORD} der Beratungsstelle.",
        "body": f"Der {BODY_WORD} enthält Namen und Orte.",
        "court": HIDDEN_COURT,
        "norms": [RARE_NORM],
        "topics": ["Lemurenschutz"],
    }
    org_only = create_resource(
        title=f"{TITLE_WORDS[0]} Arbeitsausbeutung",
        status="published",
        visibility="organisation",
        **common,
    )
    draft = create_resource(
        title=f"{TITLE_WORDS[1]} Arbeitsausbeutung", status="draft", author_id=owner.id, **common
    )
    visible = create_resource(
        title="Öffentliche Entscheidung", organisation=member_org, summary="Für alle sichtbar."
    )
    with app.app_context():
        revisions, attachments, links = {}, {}, []
        for which, resource in (("org_only", org_only), ("draft", draft)):
            row = db.session.get(Resource, resource.id)
            revisions[which] = record_revision(row, None, "create").id
            attachments[which] = _store_attachment(resource.id, FILE_BYTES)
            for source, target, kind in (
                (visible.id, resource.id, "related"),
                (resource.id, visible.id, "instance"),
            ):
                link = ResourceLink(source_id=source, target_id=target, kind=kind)
                db.session.add(link)
                db.session.flush()
                links.append(link.id)
        attachments["visible"] = _store_attachment(visible.id, b"Offene Anlage\n")
        saved_id, feed_token = _saved_search_with_feed(outsider.id, BODY_WORD)
        _, owner_feed_token = _saved_search_with_feed(owner.id, BODY_WORD)
        db.session.commit()
        tokens = {}
        for name, user in (("outsider", outsider), ("owner", owner)):
            from portal.auth.models import User

            _, tokens[name] = api_services.create_token(
                db.session.get(User, user.id), "Skript", actor=SYSTEM
            )
        db.session.commit()
    return World(
        org_only=org_only,
        draft=draft,
        visible=visible,
        revisions=revisions,
        attachments=attachments,
        links=links,
        owner=owner,
        outsider=outsider,
        outsider_token=tokens["outsider"],
        owner_token=tokens["owner"],
        saved_id=saved_id,
        feed_token=feed_token,
        owner_feed_token=owner_feed_token,
    )


def assert_no_hidden_words(body: bytes | str, where: str) -> None:
    text = body if isinstance(body, str) else body.decode("utf-8", "replace")
    for word in TITLE_WORDS:
        assert word not in text, where
    assert FILE_BYTES.decode() not in text, where


def state(app) -> dict:
    """What a refused write must leave unchanged."""
    with app.app_context():
        return {
            "resources": [
                (r.id, r.title, r.status, r.version, r.visibility)
                for r in db.session.scalars(select(Resource).order_by(Resource.id))
            ],
            "attachments": db.session.scalar(select(func.count()).select_from(Attachment)),
            "links": db.session.scalar(select(func.count()).select_from(ResourceLink)),
            "revisions": db.session.scalar(select(func.count()).select_from(Revision)),
            "files": sorted(p.name for p in (Path(app.instance_path) / "uploads").iterdir()),
        }


# --- entry points that name a hidden id: 404 -------------------------------------------------

GET_BY_ID = {
    "page": "/resources/{id}",
    "print": "/resources/{id}/print",
    "revision": "/resources/{id}/revisions/{rev}",
    "revision-vs-current": "/resources/{id}/revisions/{rev}?compare=current",
    "download": "/resources/{id}/attachments/{att}",
    "edit-form": "/resources/{id}/edit",
    "transition-form": "/resources/{id}/submit",
    "visible-id-hidden-revision": "/resources/{visible}/revisions/{rev}",
    "visible-id-hidden-attachment": "/resources/{visible}/attachments/{att}",
    "hidden-id-visible-attachment": "/resources/{id}/attachments/{visible_att}",
}

POST_BY_ID = {
    "edit": ("/resources/{id}/edit", {"title": "Übernommen", "version": "1"}),
    "publish": ("/resources/{id}/publish", {"version": "1"}),
    "archive": ("/resources/{id}/archive", {"version": "1"}),
    "upload": ("/resources/{id}/attachments", {"upload": "1"}),
    "delete-attachment": ("/resources/{id}/attachments/{att}/delete", {"version": "1"}),
    "add-link": ("/resources/{id}/links", {"reference": "{visible}", "kind": "related"}),
    "delete-link": ("/resources/{id}/links/{link}/delete", {"version": "1"}),
    "restore": ("/resources/{id}/revisions/{rev}/restore", {"version": "1"}),
}


def _url(template: str, world: World, which: str) -> str:
    index = 0 if which == "org_only" else 2
    return template.format(
        id=world.hidden(which).id,
        rev=world.revisions[which],
        att=world.attachments[which],
        visible=world.visible.id,
        visible_att=world.attachments["visible"],
        link=world.links[index],
    )


@pytest.fixture
def as_outsider(client, auth, world):
    assert auth.login(world.outsider.email).status_code == 302
    return world


@pytest.mark.parametrize("which", ["org_only", "draft"])
@pytest.mark.parametrize("entry", GET_BY_ID)
def test_pages_by_id_answer_404(client, as_outsider, which, entry):
    url = _url(GET_BY_ID[entry], as_outsider, which)
    with client.get(url) as response:
        assert response.status_code == 404, url
        assert_no_hidden_words(response.data, url)


@pytest.mark.parametrize("which", ["org_only", "draft"])
@pytest.mark.parametrize("entry", POST_BY_ID)
def test_writes_by_id_answer_404_and_change_nothing(app, client, as_outsider, which, entry):
    template, data = POST_BY_ID[entry]
    url = _url(template, as_outsider, which)
    data = {k: _url(v, as_outsider, which) for k, v in data.items()}
    before = state(app)
    response = client.post(url, data=data)
    assert response.status_code == 404, url
    assert_no_hidden_words(response.data, url)
    assert state(app) == before


@pytest.mark.parametrize("which", ["org_only", "draft"])
def test_api_resource_by_id_answers_404_json(client, world, which):
    response = client.get(
        f"/api/v1/resources/{world.hidden(which).id}",
        headers={"Authorization": f"Bearer {world.outsider_token}"},
    )
    assert response.status_code == 404
    assert response.json == {"error": {"code": 404, "message": "Not Found"}}
    missing = client.get(
        "/api/v1/resources/999999", headers={"Authorization": f"Bearer {world.outsider_token}"}
    )
    assert missing.data == response.data  # hidden and missing look the same
    assert_no_hidden_words(response.data, "api")


# --- pages that list, link or count: 200 without a hidden word ------------------------------


def _pages(world: World) -> dict[str, str]:
    slug = parse_norm(RARE_NORM).slug
    return {
        "visible-page-with-links": f"/resources/{world.visible.id}",
        "visible-print-with-links": f"/resources/{world.visible.id}/print",
        "dashboard": "/",
        "list-all": "/resources/?status=all",
        "list-case-law": "/resources/case-law?status=all",
        "mine": "/resources/mine",
        "norm-index": "/norms/",
        "norm-page": f"/norms/{slug}",
        "search": f"/search/?q={BODY_WORD}",
        "search-norm": f"/search/?q={RARE_NORM}",
        "search-court": "/search/?q=Hamm",
        "search-empty": "/search/?q=",
        "saved-search": f"/saved/{world.saved_id}",
        "saved-list": "/saved/",
        "organisation-page": "/organisations/fbs-nord",
    }


PAGES = [
    "visible-page-with-links",
    "visible-print-with-links",
    "dashboard",
    "list-all",
    "list-case-law",
    "mine",
    "norm-index",
    "norm-page",
    "search",
    "search-norm",
    "search-court",
    "search-empty",
    "saved-search",
    "saved-list",
    "organisation-page",
]


@pytest.mark.parametrize("page", PAGES)
def test_listing_pages_never_show_a_hidden_title(client, as_outsider, page):
    url = _pages(as_outsider)[page]
    response = client.get(url)
    assert response.status_code == 200, url
    assert_no_hidden_words(response.data, url)
    if page.startswith("search") or page == "saved-search":
        assert f'/resources/{as_outsider.org_only.id}"' not in response.get_data(as_text=True)
        assert f'/resources/{as_outsider.draft.id}"' not in response.get_data(as_text=True)


def test_the_norm_index_does_not_list_a_norm_only_hidden_resources_cite(client, as_outsider):
    page = client.get("/norms/").get_data(as_text=True)
    assert "SchwarzArbG" not in page


@pytest.mark.parametrize("q", [BODY_WORD, "Hamm", RARE_NORM, "Lemurenschutz", "Arbeitsausbeutung"])
def test_api_search_totals_facets_and_snippets_hide_everything(client, world, q):
    response = client.get(
        "/api/v1/search",
        query_string={"q": q},
        headers={"Authorization": f"Bearer {world.outsider_token}"},
    )
    assert response.status_code == 200
    data = response.json
    assert data["total"] == 0 and data["results"] == []
    assert data["facets"] == {name: [] for name in data["facets"]}
    assert data["suggestion"] is None or data["suggestion"] not in TITLE_WORDS
    assert_no_hidden_words(response.data, q)
    assert "Hamm" not in json.dumps(data["facets"])


def test_api_search_facet_filters_on_hidden_values_find_nothing(client, world):
    from portal.legal.courts import find_court

    for filters in (
        {"court": find_court(HIDDEN_COURT).slug},
        {"norm": RARE_NORM},
        {"topic": "Lemurenschutz"},
        {"organisation": "fbs-nord", "q": BODY_WORD},
    ):
        response = client.get(
            "/api/v1/search",
            query_string=filters,
            headers={"Authorization": f"Bearer {world.outsider_token}"},
        )
        assert response.status_code == 200, filters
        assert (response.json["total"], response.json["results"]) == (0, []), filters
        assert_no_hidden_words(response.data, str(filters))
    assert_no_hidden_words(response.data, "court filter")


def test_api_detail_of_a_visible_resource_leaves_out_links_to_hidden_ones(client, world):
    response = client.get(
        f"/api/v1/resources/{world.visible.id}",
        headers={"Authorization": f"Bearer {world.outsider_token}"},
    )
    assert response.status_code == 200
    assert_no_hidden_words(response.data, "api detail")
    for hidden in (world.org_only, world.draft):
        assert f'/resources/{hidden.id}"' not in response.get_data(as_text=True)
        assert f'"portal:{hidden.id}"' not in response.get_data(as_text=True)


# --- the outsider's Atom feed (no session: the token is the credential) ---------------------


def test_the_outsiders_feed_lists_no_hidden_resource(app, world):
    response = app.test_client().get(f"/feeds/{world.feed_token}.atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    assert "<entry>" not in response.get_data(as_text=True)
    assert_no_hidden_words(response.data, "feed")


def _http_get(port: int, path: str, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def test_over_http_feed_and_api_hide_everything(world, live_server):
    response, data = _http_get(live_server.port, f"/feeds/{world.feed_token}.atom")
    assert response.status == 200 and b"<entry>" not in data
    assert_no_hidden_words(data, "feed over http")
    bearer = {"Authorization": f"Bearer {world.outsider_token}"}
    for which in ("org_only", "draft"):
        response, data = _http_get(
            live_server.port, f"/api/v1/resources/{world.hidden(which).id}", bearer
        )
        assert response.status == 404
        assert_no_hidden_words(data, "api over http")
    response, data = _http_get(live_server.port, f"/api/v1/search?q={BODY_WORD}", bearer)
    assert response.status == 200 and json.loads(data)["total"] == 0
    assert_no_hidden_words(data, "search over http")
    # A bearer token does not open HTML pages, hidden or not.
    response, _ = _http_get(live_server.port, f"/resources/{world.org_only.id}", bearer)
    assert response.status == 302


# --- the personal data export and the operator's CLI export ---------------------------------


def test_the_outsiders_personal_data_export_holds_nothing_hidden(client, as_outsider):
    response = client.post("/auth/profile/export", data={"export-current_password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert_no_hidden_words(response.data, "data export")


def test_only_the_operator_cli_exports_resources_and_it_exports_everything(app, runner, world):
    """`flask export` runs on the server without a user: an operator tool, all by design.

    No HTTP route exports resources: the only export routes are the personal data export
    (the person's own data), the admin's audit CSV and the office's CSV of consultation
    responses (tests/consultations).
    """
    exports = sorted(
        rule.endpoint for rule in app.url_map.iter_rules() if "export" in rule.rule.lower()
    )
    assert exports == ["admin.audit_export", "auth.export_data", "consultations.export"]
    result = runner.invoke(args=["export", "-"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    titles = {record["title"] for record in records}
    assert {world.org_only.title, world.draft.title, world.visible.title} <= titles


# --- control: the owner sees what the outsider may not -----------------------------------


def test_control_the_owner_sees_the_hidden_resources_everywhere(app, client, auth, world):
    assert auth.login(world.owner.email).status_code == 302
    for which in ("org_only", "draft"):
        for entry in ("page", "print", "revision", "download"):
            url = _url(GET_BY_ID[entry], world, which)
            with client.get(url) as response:
                assert response.status_code == 200, url
        page = client.get(f"/resources/{world.visible.id}").get_data(as_text=True)
        assert world.hidden(which).title in page
    api = client.get(
        "/api/v1/search",
        query_string={"q": BODY_WORD},
        headers={"Authorization": f"Bearer {world.owner_token}"},
    )
    # Only published resources are searched (portal/search/services.py), drafts never.
    assert [hit["id"] for hit in api.json["results"]] == [world.org_only.id]
    assert "Hamm" in json.dumps(api.json["facets"])
    feed = app.test_client().get(f"/feeds/{world.owner_feed_token}.atom")
    assert world.org_only.title in feed.get_data(as_text=True)
    norm = client.get(f"/norms/{parse_norm(RARE_NORM).slug}").get_data(as_text=True)
    assert all(word in norm for word in TITLE_WORDS)
    assert re.search(r"SchwarzArbG", client.get("/norms/").get_data(as_text=True))
