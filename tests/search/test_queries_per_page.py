"""A page of search results costs the same number of SQL statements, whatever its length."""

import pytest

from portal.extensions import db
from tests.helpers import counting_statements

COURTS = ["BGH", "BAG", "BSG", "LG Berlin", "OLG München", "VG Berlin", "LAG Hamm", "SG Hamburg"]
NORMS = ["§ 232 StGB", "§ 233 StGB", "§ 25 Abs. 4a AufenthG", "§ 1 OEG", "§ 823 BGB"]


@pytest.fixture
def decisions(create_resource):
    """2 decisions with the word Quokkafall and 14 with Wombatfall, each with its own court,
    two norms and an attachment holding the word."""
    for word, count in (("Quokkafall", 2), ("Wombatfall", 14)):
        for n in range(count):
            create_resource(
                title=f"Entscheidung {word} {n}",
                summary=f"Kurzfassung {n}",
                body=f"Volltext über den {word} Nummer {n}.",
                court=COURTS[n % len(COURTS)],
                norms=[NORMS[n % len(NORMS)], NORMS[(n + 1) % len(NORMS)]],
                attachments=[f"Anhang zum {word}, Seite {n}"],
                file_number=f"{n + 1} StR {100 + n}/19",
            )


def statements_for(app, client, url: str, params: dict, hits: int) -> int:
    client.get(url, query_string=params)  # the first request fills per-snapshot caches
    with counting_statements(app) as statements:
        response = client.get(url, query_string=params)
    assert response.status_code == 200
    if url.startswith("/api/"):
        assert len(response.json["results"]) == hits
        assert all(hit["court"] and len(hit["norms"]) == 2 for hit in response.json["results"])
    else:
        assert response.get_data(as_text=True).count('<li class="hit">') == hits
    return len(statements)


@pytest.mark.parametrize(
    ("url", "extra"),
    [("/search/", {}), ("/api/v1/search", {"per_page": 20})],
)
def test_a_results_page_needs_as_many_queries_for_14_hits_as_for_2(
    app, client, login_as, decisions, url, extra
):
    login_as()

    few = statements_for(app, client, url, {"q": "Quokkafall", **extra}, hits=2)
    many = statements_for(app, client, url, {"q": "Wombatfall", **extra}, hits=14)

    assert many == few
    assert few <= 12


def test_hits_show_their_court_norms_and_attachment_snippet(app, client, login_as, decisions):
    login_as()

    data = client.get("/api/v1/search", query_string={"q": "Seite", "per_page": 20}).json

    assert len(data["results"]) == 16
    assert all(hit["court"] for hit in data["results"])
    for hit in data["results"]:  # in the order the decision cites them
        n = int(hit["title"].rsplit(" ", 1)[1])
        assert hit["norms"] == [NORMS[n % len(NORMS)], NORMS[(n + 1) % len(NORMS)]]
    assert all("<mark>Seite</mark>" in hit["snippet"] for hit in data["results"])


def test_snippets_equal_whooshs_own_highlighting_over_several_segments(
    app, create_resource, create_user, monkeypatch
):
    from portal.auth.models import User
    from portal.resources.models import Resource
    from portal.search import services

    for n in range(12):
        words = " ".join(f"Füllwort{k}" for k in range(n * 7))
        create_resource(
            title=f"Quokkafall Nummer {n}",
            summary=f"Kurz: {words} Quokkafall und Wombat" if n % 2 else "",
            body=f"{words} Der Quokkafall begann. {words} Wombat und Quokkafall endeten.",
        )
    with app.app_context():  # a change deletes a document in an older segment
        changed = db.session.scalar(db.select(Resource).filter_by(title="Quokkafall Nummer 3"))
        changed.body += " Nachtrag zum Quokkafall."
        db.session.commit()
    user = create_user()

    def snippets():
        with app.test_request_context():
            viewer = db.session.get(User, user.id)
            result = services.search(viewer, "Quokkafall Wombat", per_page=20)
            return [(h.resource.id, str(h.title_html), str(h.snippet)) for h in result.hits]

    with app.app_context():
        snap = app.extensions["search_index"].snapshot()
        assert len(list(snap.searcher.leaf_searchers())) > 1
    ours = snippets()
    monkeypatch.setattr(services, "_load_chars", lambda results, fieldname, docnums: None)
    whooshs = snippets()

    assert len(ours) == 12
    assert ours == whooshs
    assert all("<mark>Quokkafall</mark>" in snippet for _, _, snippet in ours)
