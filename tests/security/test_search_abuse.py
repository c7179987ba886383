"""Query-syntax abuse against the search page and the API, with hidden resources around.

tests/search/test_pages.py checks that odd input answers a normal page; here every probe also
checks that nothing hidden leaks (no hidden title word, no hidden id, API totals only count
what the viewer may see), including queries that name the access-control fields.
"""

import time

import pytest

pytestmark = pytest.mark.usefixtures("no_rate_limits")

HIDDEN_TITLE_WORDS = ("Okapigeheimnis", "Tapirvermerk", "Ibisentwurf")
WORD = "Lemurbericht"  # in every resource's body, hidden or not

QUERIES = [
    '"unbalanced quote',
    f'{WORD} "',
    f'"{WORD}',
    f"((({WORD}",
    f"{WORD})))",
    "a)b(c]",
    f"[{WORD}",
    "{",
    "*",
    "**",
    "?",
    "?*",
    f"{WORD[:5]}*",
    f"{WORD[:4]}?ericht",
    "x" * 10_000,
    "wort " * 3_000,
    " ".join(f"{WORD}{i}" for i in range(3_000)),
    "nichtda:foo",
    f"gibtsnicht:{WORD} auchnicht:bar",
    "audience:office",
    "audience:members",
    "audience:org\\:2",
    f"audience:office {WORD}",
    "status:draft",
    f"status:draft {WORD}",
    "status:published OR status:draft",
    "visibility:organisation",
    "organisation_id:2",
    "/.*/",
    "title:/.*/",
    f"body:/{WORD[:3]}.*/",
    "[a TO z]",
    "title:[a TO z]",
    "{a TO z}",
    "status:[a TO z]",
    f"{WORD}^5",
    f"title:{WORD}^100 OR audience:office^9",
    "*:*",
    "*:* OR audience:office",
    f"{WORD}~2",
    f"NOT {WORD}",
    f"-{WORD}",
    f"{WORD} OR *",
    "OR AND NOT",
    "\x00\x1b[31m",
    "%",
    "\\",
    "'; DROP TABLE resource; --",
    "title:",
    "::::",
]


@pytest.fixture
def corpus(create_org, create_resource, member_org, office):
    """One visible resource; three hidden from a member of member_org (all contain WORD)."""
    other = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    body = f"Der {WORD} beschreibt die Beratung."
    visible = create_resource(title="Offene Entscheidung", body=body)
    hidden = [
        create_resource(
            title=f"{HIDDEN_TITLE_WORDS[0]} Beratung",
            body=body,
            organisation=other,
            visibility="organisation",
        ),
        create_resource(
            title=f"{HIDDEN_TITLE_WORDS[1]} Beratung",
            body=body,
            organisation=member_org,
            visibility="office",
        ),
        create_resource(
            title=f"{HIDDEN_TITLE_WORDS[2]} Beratung",
            body=body,
            organisation=other,
            status="draft",
        ),
    ]
    return visible, hidden


def assert_nothing_hidden(text: str, hidden, where: str) -> None:
    for word in HIDDEN_TITLE_WORDS:
        assert word not in text, where
    for resource in hidden:
        assert f'/resources/{resource.id}"' not in text, where
        assert f'"id": {resource.id},' not in text, where


def test_control_the_hidden_resources_are_indexed_and_the_visible_one_found(
    client, corpus, login_as
):
    visible, hidden = corpus
    login_as("editor")  # office staff see published resources of every visibility
    found = client.get("/api/v1/search", query_string={"q": WORD}).json
    assert {hit["id"] for hit in found["results"]} == {visible.id, hidden[0].id, hidden[1].id}


@pytest.mark.slow  # asserts a duration: runs alone, after the parallel part
def test_the_search_page_answers_200_and_reveals_nothing(client, corpus, login_as):
    visible, hidden = corpus
    login_as("member")
    page = client.get("/search/", query_string={"q": WORD}).get_data(as_text=True)
    assert "Offene Entscheidung" in page  # the probe's baseline: the visible one is found
    for q in QUERIES:
        started = time.perf_counter()
        response = client.get("/search/", query_string={"q": q})
        assert response.status_code == 200, q[:60]
        assert time.perf_counter() - started < 2.0, q[:60]
        text = response.get_data(as_text=True)
        assert "Treffer" in text, q[:60]
        assert_nothing_hidden(text, hidden, q[:60])


def test_the_search_page_by_post_in_describe_mode_reveals_nothing(client, corpus, login_as):
    _visible, hidden = corpus
    login_as("member")
    for q in QUERIES:
        # A posted description (no JavaScript) is redirected to its GET URL.
        response = client.post("/search/", data={"mode": "describe", "q": q}, follow_redirects=True)
        assert response.status_code == 200, q[:60]
        assert_nothing_hidden(response.get_data(as_text=True), hidden, q[:60])


def test_the_api_answers_200_json_and_counts_only_visible_resources(
    client, corpus, create_user, app
):
    from portal.api import params
    from portal.api import services as api_services
    from portal.audit.services import SYSTEM
    from portal.auth.models import User
    from portal.extensions import db

    visible, hidden = corpus
    member = create_user()
    with app.app_context():
        _, token = api_services.create_token(db.session.get(User, member.id), "x", actor=SYSTEM)
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    baseline = client.get("/api/v1/search", query_string={"q": WORD}, headers=headers).json
    assert [hit["id"] for hit in baseline["results"]] == [visible.id]
    for q in QUERIES:
        response = client.get("/api/v1/search", query_string={"q": q}, headers=headers)
        assert response.is_json, q[:60]
        if len(q) > params.MAX_QUERY:
            # The API refuses overlong queries with its documented 400 answer.
            assert response.status_code == 400, q[:60]
            assert response.json["error"]["code"] == 400
            assert set(response.json) == {"error"}
            continue
        assert response.status_code == 200, q[:60]
        data = response.json
        ids = {hit["id"] for hit in data["results"]}
        assert ids <= {visible.id}, q[:60]
        assert data["total"] == len(ids), q[:60]
        for entries in data["facets"].values():
            assert all(entry["count"] <= 1 for entry in entries), q[:60]
        assert_nothing_hidden(response.get_data(as_text=True), hidden, q[:60])
