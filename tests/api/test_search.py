"""GET /api/v1/search: parameters, validation, filters, facets and visibility."""

from datetime import date
from types import SimpleNamespace

import pytest


@pytest.fixture
def member_token(create_user, make_token):
    return make_token(create_user())


@pytest.fixture
def corpus(create_org, create_resource):
    """Two visible decisions and one only another organisation may see."""
    other = create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    a = create_resource(
        title="Lohnnachzahlung für Betroffene von Arbeitsausbeutung",
        summary="Das Arbeitsgericht sprach ausstehenden Lohn zu.",
        court="BAG",
        norms=["§ 233 StGB"],
        decision_date=date(2019, 5, 2),
        file_number="5 AZR 12/18",
        legal_areas=["arbeitsrecht"],
    )
    b = create_resource(
        title="Zwangsprostitution und Nebenklage",
        summary="Die Nebenklage der Geschädigten wurde zugelassen.",
        court="BGH",
        norms=["§ 232a StGB"],
        decision_date=date(2021, 3, 4),
        file_number="3 StR 99/20",
        legal_areas=["strafrecht"],
    )
    hidden = create_resource(
        title="Geheime Lohnnachzahlung Arbeitsausbeutung Sonderfall",
        summary="Nur für die Beratungsstelle Süd: Lohnnachzahlung Zwischenfall.",
        court="LAG Hamm",
        norms=["§ 10 SchwarzArbG"],
        decision_date=date(2015, 1, 1),
        organisation=other,
        visibility="organisation",
        legal_areas=["sozialrecht"],
    )
    return a, b, hidden


def get(client, token, **params):
    return client.get(
        "/api/v1/search", query_string=params, headers={"Authorization": f"Bearer {token}"}
    )


def test_a_search_answers_results_with_snippets_and_facets(client, corpus, member_token):
    a, b, _hidden = corpus
    response = get(client, member_token, q="Lohnnachzahlung")
    assert response.status_code == 200
    data = response.json
    assert data["query"] == "Lohnnachzahlung"
    assert (data["total"], data["page"], data["per_page"]) == (1, 1, 20)
    [hit] = data["results"]
    assert hit["id"] == a.id and hit["type"] == "case_law"
    assert hit["url"] == f"http://portal.test/resources/{a.id}"
    assert hit["court"] == "Bundesarbeitsgericht"
    assert hit["decision_date"] == "2019-05-02"
    assert hit["file_number"] == "5 AZR 12/18"
    assert hit["norms"] == ["§ 233 StGB"]
    assert "<mark>" in hit["snippet"] or "<mark>" in hit["title"] or hit["snippet"]
    assert data["facets"]["type"] == [{"value": "case_law", "label": "Rechtsprechung", "count": 1}]
    assert [f["label"] for f in data["facets"]["norm"]] == ["§ 233 StGB"]


def test_hidden_resources_never_appear_in_results_totals_or_facets(client, corpus, member_token):
    _a, _b, hidden = corpus
    for params in (
        {"q": "Lohnnachzahlung"},
        {"q": "Geheime"},
        {"q": "Sonderfall"},
        {"q": "Zwischenfall", "mode": "describe"},
        {"legal_area": "sozialrecht"},
        {"norm": "§ 10 SchwarzArbG"},
        {"year": "2015"},
        {"type": "case_law", "per_page": "100"},
    ):
        data = get(client, member_token, **params).json
        assert hidden.id not in [hit["id"] for hit in data["results"]], params
        facets = data["facets"]
        assert "sozialrecht" not in [f["value"] for f in facets["legal_area"]], params
        assert "2015" not in [f["value"] for f in facets["year"]], params
        assert "§ 10 SchwarzArbG" not in [f["label"] for f in facets["norm"]], params
        assert "Landesarbeitsgericht" not in str(facets["court"]), params
        assert "geheim" not in (data["suggestion"] or "").lower(), params
    assert get(client, member_token, q="Sonderfall").json["total"] == 0
    assert get(client, member_token, type="case_law").json["total"] == 2


def test_the_owning_organisation_finds_its_own_resource(client, corpus, create_user, make_token):
    _a, _b, hidden = corpus
    token = make_token(create_user(organisation=SimpleNamespace(id=hidden.organisation_id)))
    data = get(client, token, q="Sonderfall").json
    assert [hit["id"] for hit in data["results"]] == [hidden.id]


def test_filters_narrow_the_results(client, corpus, member_token):
    a, b, _hidden = corpus
    everything = get(client, member_token, type="case_law").json
    court_id = next(f["value"] for f in everything["facets"]["court"] if f["label"] == "BGH")

    def ids(**params):
        return [hit["id"] for hit in get(client, member_token, **params).json["results"]]

    assert ids(court=court_id) == [b.id]
    assert ids(norm="§ 232a StGB") == [b.id]
    assert ids(legal_area="arbeitsrecht") == [a.id]
    assert ids(year="2019") == [a.id]
    assert ids(date_from="2020-01-01") == [b.id]
    assert ids(date_to="2020-01-01") == [a.id]
    assert ids(date_from="2019-01-01", date_to="2021-12-31", sort="oldest") == [a.id, b.id]
    assert ids(type="case_law", sort="newest") == [b.id, a.id]
    assert ids(q="Nebenklage", mode="describe") == [b.id]


def test_pages_hold_per_page_results(client, create_resource, member_token):
    for n in range(5):
        create_resource(title=f"Schulung Menschenhandel Teil {n}", type="training_material")
    first = get(client, member_token, q="Menschenhandel", per_page="2").json
    third = get(client, member_token, q="Menschenhandel", per_page="2", page="3").json
    assert first["total"] == third["total"] == 5
    assert len(first["results"]) == 2 and len(third["results"]) == 1
    assert third["page"] == 3 and third["per_page"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": "0"},
        {"per_page": "101"},
        {"per_page": "zwanzig"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "1.5"},
        {"date_from": "2020-13-01"},
        {"date_to": "gestern"},
        {"date_from": "2021-01-01", "date_to": "2020-01-01"},
        {"sort": "best"},
        {"mode": "guess"},
        {"type": "novel"},
        {"legal_area": "seerecht"},
        {"norm": "irgendwas"},
        {"year": "20"},
        {"language": "fr"},
        {"status": "secret"},
        {"q": "x" * 1001},
        {"q": "x" * 1001, "mode": "search"},
        {"q": "x" * 5001, "mode": "describe"},
        {"perpage": "10"},
    ],
)
def test_invalid_parameters_answer_400_json(client, member_token, params):
    response = get(client, member_token, **params)
    assert response.status_code == 400, params
    assert response.json["error"]["code"] == 400
    assert response.json["error"]["message"]


def test_a_description_may_be_as_long_as_the_search_page_takes(client, corpus, member_token):
    from portal.search.query import DESCRIBE_MAX_LENGTH

    a, _b, hidden = corpus
    filler = " ".join(["Die Beratungsstelle begleitet eine Klientin im Verfahren."] * 200)
    description = ("Arbeitsausbeutung und Lohnnachzahlung: " + filler)[:DESCRIBE_MAX_LENGTH]
    assert len(description) == DESCRIBE_MAX_LENGTH
    response = get(client, member_token, q=description, mode="describe")
    assert response.status_code == 200
    ids = [r["id"] for r in response.json["results"]]
    assert ids[0] == a.id and hidden.id not in ids
    # The same length is too long for the search box syntax.
    response = get(client, member_token, q=description)
    assert response.status_code == 400
    assert "5000 with mode=describe" in response.json["error"]["message"]


def test_the_openapi_document_names_both_query_limits(client, member_token):
    document = client.get(
        "/api/v1/openapi.json", headers={"Authorization": f"Bearer {member_token}"}
    ).json
    q = next(p for p in document["paths"]["/search"]["get"]["parameters"] if p["name"] == "q")
    assert q["schema"]["maxLength"] == 5000
    assert "1000" in q["description"] and "5000" in q["description"]


def test_search_needs_a_token_or_a_session(client):
    response = client.get("/api/v1/search?q=x")
    assert response.status_code == 401
    assert response.json["error"]["code"] == 401


def test_the_status_filter_finds_the_own_organisations_drafts(
    client, create_resource, create_org, member_token
):
    own = create_resource(title="Kaninchenfall Entwurf", status="draft")
    create_resource(
        title="Kaninchenfall Entwurf Süd",
        status="draft",
        organisation=create_org(slug="fbs-sued", name="Fachberatungsstelle Süd"),
    )
    published = create_resource(title="Kaninchenfall veröffentlicht")

    assert [r["id"] for r in get(client, member_token, q="Kaninchenfall").json["results"]] == [
        published.id
    ]
    drafts = get(client, member_token, q="Kaninchenfall", status="draft").json
    assert [r["id"] for r in drafts["results"]] == [own.id] and drafts["total"] == 1
    both = get(client, member_token, q="Kaninchenfall", status=["draft", "published"]).json
    assert {r["id"] for r in both["results"]} == {own.id, published.id}
