"""Search-box completions offer only words of resources the viewer may see."""

import pytest

from portal.auth.models import User
from portal.extensions import db
from portal.resources.models import Resource
from portal.search.complete import complete


def complete_as(app, user, text, **kwargs):
    """Run the completion entry point as ``user`` (None: an anonymous visitor)."""
    from flask_login import AnonymousUserMixin

    with app.test_request_context():
        viewer = db.session.get(User, user.id) if user is not None else AnonymousUserMixin()
        return complete(viewer, text, **kwargs)


@pytest.fixture
def world(create_org, create_resource, member_org, office):
    """Words starting with "Quokka": one visible to members, the rest hidden from them."""
    other_org = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    create_resource(title="Quokkabaum im Park", summary="Menschenhandel und Quokkabaum")
    create_resource(title="Quokkageheimnis", visibility="office", organisation=office)
    create_resource(
        title="Quokkainterna der Südstelle", visibility="organisation", organisation=other_org
    )
    create_resource(title="Quokkaentwurf", status="draft", organisation=member_org)
    create_resource(title="Quokkaarchiv", status="archived", organisation=member_org)
    return other_org


def test_a_member_gets_only_words_of_resources_members_may_see(app, world, create_user):
    member = create_user()
    assert complete_as(app, member, "Quokka") == ["Quokkabaum"]


def test_the_office_gets_words_of_office_and_organisation_resources(
    app, world, create_user, office
):
    editor = create_user(role="editor", organisation=office)
    # One document each: shorter words first.
    assert complete_as(app, editor, "Quokka") == [
        "Quokkabaum",
        "Quokkainterna",
        "Quokkageheimnis",
    ]


def test_the_owning_organisation_gets_the_words_of_its_own_resources(app, world, create_user):
    insider = create_user(organisation=world)
    # As the resources write them (nouns with a capital), whatever the case typed.
    assert complete_as(app, insider, "quokka") == ["Quokkabaum", "Quokkainterna"]


def test_unpublished_resources_are_never_completed_as_the_search_does_not_find_them(
    app, world, create_user, office, member_org
):
    # Drafts and archived resources appear only under the status filter; the box completes
    # what a plain search finds, so not even their owners and the office get their words.
    for user in (create_user(role="editor", organisation=office), create_user()):
        for prefix in ("Quokkaent", "Quokkaarc"):
            assert complete_as(app, user, prefix) == []


def test_a_word_disappears_when_its_resource_is_hidden(app, create_resource, create_user):
    resource = create_resource(title="Wombatgutachten")
    member = create_user()
    assert complete_as(app, member, "Wombatg") == ["Wombatgutachten"]
    with app.app_context():
        db.session.get(Resource, resource.id).visibility = "office"
        db.session.commit()
    assert complete_as(app, member, "Wombatg") == []


def test_earlier_words_are_kept_and_the_typed_capital_stays(app, world, create_user):
    member = create_user()
    assert complete_as(app, member, "Menschenhandel Quokk") == ["Menschenhandel Quokkabaum"]
    # Earlier words stay as typed; the completed word is written as the resources write it.
    assert complete_as(app, member, "menschenhandel  quokk") == ["menschenhandel  Quokkabaum"]
    assert complete_as(app, member, '"sexuelle Ausbeutung" -Quokk') == [
        '"sexuelle Ausbeutung" -Quokkabaum'
    ]
    assert complete_as(app, member, '"Menschenhandel Quokk') == ['"Menschenhandel Quokkabaum']


def test_words_rank_by_the_documents_the_viewer_may_see(app, create_resource, create_user, office):
    for _ in range(3):
        create_resource(title="Wombatfall")
    create_resource(title="Wombatakte")
    for _ in range(5):
        create_resource(title="Wombatakte intern", visibility="office", organisation=office)
    create_resource(title="Wombatabschrift")

    member = create_user()
    editor = create_user(role="editor", organisation=office)
    # Members see Wombatakte once: it ranks below Wombatfall, then shorter words first.
    assert complete_as(app, member, "Wombat") == ["Wombatfall", "Wombatakte", "Wombatabschrift"]
    assert complete_as(app, editor, "Wombat") == ["Wombatakte", "Wombatfall", "Wombatabschrift"]
    assert complete_as(app, member, "Wombat", limit=2) == ["Wombatfall", "Wombatakte"]


def test_a_whole_word_is_offered_only_next_to_longer_ones(app, create_resource, create_user):
    create_resource(title="Kaninchen und Kaninchenbau")
    member = create_user()
    assert complete_as(app, member, "Kaninchen") == ["Kaninchen", "Kaninchenbau"]
    assert complete_as(app, member, "Kaninchenbau") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Quo", ["Quokkabaum"]),
        ("((((Quokka", ["((((Quokkabaum"]),
        ("Zwang Quokka", ["Zwang Quokkabaum"]),
    ],
)
def test_any_word_start_of_three_letters_is_completed(app, world, create_user, text, expected):
    assert complete_as(app, create_user(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "Qu",
        "Quokka ",
        "Quokka*",
        "*",
        "gericht:Quokka",
        'gericht:"Landgericht Quokka',
        "titel:Quokka",
        "§§§ %%% ???",
        '"',
        '"""',
        "Quokka" * 2000,
        "x" * 10_000,
        "Menschenhandel " * 40 + "Quokka",  # beyond what the search reads
        "\x00\x01Quokka",
        "Quokka.",
        "Quokka\u0301",
        "𝒬𝓊𝑜𝓀𝓀𝒶",
        "Quokka)",
        "Quokka OR",
    ],
)
def test_odd_input_gets_an_empty_list(app, world, create_user, text):
    assert complete_as(app, create_user(), text) == []


def test_anonymous_and_inactive_users_get_nothing(app, world, create_user):
    assert complete_as(app, None, "Quokka") == []
    assert complete_as(app, create_user(active=False), "Quokka") == []


# --- the endpoint ----------------------------------------------------------------------


def test_the_endpoint_answers_json_that_no_one_keeps(client, world, login_as):
    login_as("member")
    response = client.get("/search/complete", query_string={"q": "Menschenhandel Quokk"})
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {
        "query": "Menschenhandel Quokk",
        "suggestions": ["Menschenhandel Quokkabaum"],
    }
    assert "no-store" in response.headers["Cache-Control"]


def test_the_endpoint_answers_odd_input_with_an_empty_list(client, world, login_as):
    login_as("member")
    for q in ("", "x" * 20_000, "gericht:BG", "*"):
        response = client.get("/search/complete", query_string={"q": q})
        assert response.status_code == 200
        assert response.get_json()["suggestions"] == []
    assert client.get("/search/complete").get_json() == {"query": "", "suggestions": []}


def test_anonymous_visitors_are_sent_to_the_login(client, world):
    response = client.get("/search/complete", query_string={"q": "Quokka"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert b"Quokkabaum" not in response.data


def test_the_endpoint_is_rate_limited(app, client, world, login_as):
    app.config["RATELIMIT_COMPLETE"] = "3 per minute"
    login_as("member")
    codes = [client.get("/search/complete?q=Quokka").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_completions_come_in_the_case_people_write_from_visible_resources_only(
    app, create_resource, create_user, office
):
    create_resource(title="Urteil des EGMR zur Zwangsprostitution", summary="sexuelle Ausbeutung")
    create_resource(title="Sexuelle Ausbeutung", summary="Zur sexuellen und sexuelle Gewalt")
    create_resource(title="Zweiter Fall", summary="Die sexuelle Ausbeutung bleibt.")
    # Hidden resources write words otherwise: that must not change what members see.
    for _ in range(3):
        create_resource(title="ZWANGSPROSTITUTION Egmr", visibility="office", organisation=office)
    member = create_user()
    assert complete_as(app, member, "zwangsp") == ["Zwangsprostitution"]
    assert complete_as(app, member, "egm") == ["EGMR"]
    assert complete_as(app, member, "sexuel") == ["sexuelle", "sexuellen"]
    assert complete_as(app, member, "Sexuel") == ["Sexuelle", "Sexuellen"]


def test_hidden_words_never_push_visible_ones_out_of_the_completions(
    app, create_resource, create_user, office
):
    # The same visible words, before and after hidden resources with many more frequent
    # words of the prefix: what a member is offered must not change. (Preselecting the
    # prefix's words by their frequency in the whole index let 40 hidden ones crowd out
    # every visible word.)
    create_resource(title="Koalafall", summary="Koalaakte")
    create_resource(title="Koalafall")
    member = create_user()
    before = complete_as(app, member, "Koa")
    assert before == ["Koalafall", "Koalaakte"]
    hidden = " ".join(f"Koala{chr(97 + i // 26)}{chr(97 + i % 26)}zug" for i in range(60))
    for _ in range(4):
        create_resource(title="Interne Liste", summary=hidden, visibility="office",
                        organisation=office)  # fmt: skip
    assert complete_as(app, member, "Koa") == before
    assert complete_as(app, member, "Koala") == before
    editor = create_user(role="editor", organisation=office)
    assert len(complete_as(app, editor, "Koa", limit=20)) == 20
