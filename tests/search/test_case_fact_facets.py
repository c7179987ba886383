"""Case facts as search filters and facets: exploitation forms, control means, proceedings,
nationalities and outcomes, counted only over what the viewer may see."""

import pytest

from portal.auth.models import User
from portal.extensions import db
from portal.search import services


def search_as(app, user, **filters):
    with app.test_request_context():
        result = services.search(db.session.get(User, user.id), "", filters=filters)
        titles = [hit.resource.title for hit in result.hits]
        facets = {
            name: {v.label: v.count for v in values} for name, values in result.facets.items()
        }
    return titles, facets


@pytest.fixture
def decisions(create_resource, create_org):
    other = create_org(slug="fbs-ost", name="Fachberatungsstelle Ost")
    return {
        "sexual": create_resource(
            title="Zwangsprostitution mit Juju",
            court="LG Berlin",
            exploitation_forms=["sexual"],
            control_means=["ritual_oath", "debt_bondage"],
            victims_nationalities=["NG"],
            proceeding="criminal",
            outcome=["conviction"],
        ),
        "labour": create_resource(
            title="Ausbeutung auf dem Bau",
            court="LG München I",
            exploitation_forms=["labour"],
            control_means=["debt_bondage"],
            victims_nationalities=["RO", "BG"],
            proceeding="criminal",
            outcome=["conviction", "wages_awarded"],
        ),
        "hidden": create_resource(
            title="Verborgene Entscheidung",
            court="LG Hamburg",
            organisation=other,
            visibility="organisation",
            exploitation_forms=["organ_removal"],
            control_means=["debt_bondage"],
            victims_nationalities=["MD"],
            proceeding="civil",
        ),
    }


def test_a_case_fact_filter_finds_only_matching_decisions(app, login_as, decisions):
    user = login_as("member")
    titles, _ = search_as(app, user, exploitation_forms=["labour"])
    assert titles == ["Ausbeutung auf dem Bau"]


def test_facets_count_case_facts_with_german_labels_and_never_hidden_ones(app, login_as, decisions):
    user = login_as("member")
    _, facets = search_as(app, user, type=["case_law"])
    assert facets["control_means"] == {"Schuldknechtschaft": 2, "Ritueller Schwur (Juju)": 1}
    assert facets["exploitation_forms"] == {"Sexuelle Ausbeutung": 1, "Arbeitsausbeutung": 1}
    assert facets["victims_nationalities"] == {"Nigeria": 1, "Rumänien": 1, "Bulgarien": 1}
    assert facets["proceeding"] == {"Strafverfahren": 2}
    assert facets["outcome"]["Verurteilung"] == 2


def test_the_search_page_offers_the_case_fact_facets(client, login_as, decisions):
    login_as("member")
    html = client.get("/search/?type=case_law").get_data(as_text=True)
    assert "<legend>Ausbeutungsformen</legend>" in html
    assert "<legend>Kontrollmittel</legend>" in html
    assert 'name="proceeding" value="criminal"' in html
    assert "Moldau" not in html


def test_the_api_filters_by_a_case_fact_and_refuses_an_unknown_key(client, login_as, decisions):
    login_as("member")
    answer = client.get("/api/v1/search?control_means=ritual_oath").get_json()
    assert [hit["title"] for hit in answer["results"]] == ["Zwangsprostitution mit Juju"]
    assert {f["value"] for f in answer["facets"]["victims_nationalities"]} == {"NG"}
    bad = client.get("/api/v1/search?control_means=magic")
    assert bad.status_code == 400
    assert "control_means must be one of" in bad.get_json()["error"]["message"]
