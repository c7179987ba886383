"""Ranking statistics come from public documents only: scores reveal nothing hidden.

BM25 weighs a word by how many documents contain it and a document by its length against the
average. Counted over the whole index, the score of one's own draft would tell whether other
organisations' hidden resources contain a word (and how many, and how long they are). Each
test builds the real index, reads an own draft's score, changes only hidden documents, and
reads the score again.
"""

import pytest

from portal.auth.models import User
from portal.extensions import db
from portal.search import services


@pytest.fixture
def member(login_as):
    """A member of ``member_org``, logged in on ``client`` (the API takes the session too)."""
    return login_as("member")


@pytest.fixture
def other_org(create_org):
    return create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")


@pytest.fixture
def public_library(create_resource):
    """Published resources every member sees; none contains the test words."""
    for n in range(6):
        create_resource(
            title=f"Arbeitsausbeutung in der Landwirtschaft, Fall {n}",
            summary="Lohnnachzahlung für Erntehelfer nach Kontrollen des Zolls.",
            body="Die Beratungsstelle begleitete die Betroffenen im Strafverfahren. " * (n + 1),
        )


@pytest.fixture
def own_draft(create_resource, member_org, public_library):
    """A draft of the member's organisation that holds both test words equally."""
    return create_resource(
        title="Entwurf: Kaninchenzucht und Zebrastreifen",
        summary="Kaninchenzucht Zebrastreifen",
        body="Kaninchenzucht und Zebrastreifen im Verfahren.",
        status="draft",
        organisation=member_org,
    )


def draft_score(app, user, q, mode="search") -> float:
    with app.test_request_context():
        viewer = db.session.get(User, user.id)
        result = services.search(viewer, q, mode=mode, filters={"status": ["draft"]})
        [hit] = result.hits
        return hit.score


def api_score(client, q, mode="search") -> float:
    response = client.get("/api/v1/search", query_string={"q": q, "mode": mode, "status": "draft"})
    [hit] = response.json["results"]
    return hit["score"]


HIDDEN = [
    {"status": "draft"},  # another organisation's draft
    {"visibility": "organisation"},  # published for another organisation only
    {"visibility": "office"},  # published for the office only
]


@pytest.mark.parametrize("hidden", HIDDEN)
def test_an_own_draft_scores_the_same_for_a_word_hidden_documents_contain_as_for_one_they_do_not(
    app, member, own_draft, other_org, create_resource, hidden
):
    for n in range(4):
        create_resource(
            title=f"Kaninchenzucht {n}",
            summary="Kaninchenzucht Kaninchenzucht",
            body="Kaninchenzucht in der Ausbeutung. " * 40,
            organisation=other_org,
            **hidden,
        )
    rabbit = draft_score(app, member, "Kaninchenzucht")
    zebra = draft_score(app, member, "Zebrastreifen")
    assert rabbit == zebra
    # Phrases are scored by Whoosh itself, with the same statistics.
    assert draft_score(app, member, '"Kaninchenzucht und"') == draft_score(
        app, member, '"und Zebrastreifen"'
    )


@pytest.mark.parametrize("mode", ["search", "describe"])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_hidden_documents_change_no_score_of_an_own_draft(
    app, client, member, own_draft, other_org, create_resource, hidden, mode
):
    queries = ["Kaninchenzucht", "Kaninchenzucht Zebrastreifen", '"Kaninchenzucht und"']
    if mode == "describe":
        queries = ["Wir haben eine Frage zur Kaninchenzucht am Zebrastreifen im Verfahren."]
    before = [draft_score(app, member, q, mode) for q in queries]
    before_api = [api_score(client, q, mode) for q in queries]
    # Hidden documents change every statistic: how many documents there are, how many hold
    # each word, and the average length of every field.
    for n in range(5):
        create_resource(
            title=f"Kaninchenzucht Zebrastreifen Verfahren {n}",
            summary="Kaninchenzucht " * (n + 1),
            body="Zebrastreifen und sehr viel anderer Text. " * (50 * (n + 1)),
            organisation=other_org,
            **hidden,
        )
    assert [draft_score(app, member, q, mode) for q in queries] == before
    assert [api_score(client, q, mode) for q in queries] == before_api


def test_public_documents_do_change_the_scores(app, member, own_draft, create_resource):
    """The check above can fail: what every member sees is counted."""
    before = draft_score(app, member, "Kaninchenzucht")
    for n in range(3):
        create_resource(title=f"Kaninchenzucht {n}", body="Kaninchenzucht " * 30)
    assert draft_score(app, member, "Kaninchenzucht") < before
