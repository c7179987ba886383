"""The statistics page, its CSV files and GET /api/v1/statistics: counts against known data,
filters, and that a hidden resource never reaches a chart, a table, a CSV file or the API."""

from datetime import date

import pytest

from portal.api.openapi import openapi_document
from tests.api.test_openapi import check


@pytest.fixture
def decisions(create_resource, create_org, member_org):
    """Three decisions every member sees, one of another organisation's only, one office-only,
    one draft."""
    other = create_org(slug="fbs-ost", name="Fachberatungsstelle Ost")
    create_resource(
        title="Juju-Fall",
        court="LG Berlin",
        decision_date=date(2019, 3, 1),
        legal_areas=["strafrecht"],
        proceeding="criminal",
        exploitation_forms=["sexual"],
        control_means=["ritual_oath", "debt_bondage"],
        victims_nationalities=["NG"],
        sentence_months=45,
        sentence_suspended=False,
        outcome=["conviction", "compensation_awarded"],
        norms=["§ 232a Abs. 1 StGB"],
    )
    create_resource(
        title="Baustelle",
        court="LG München I",
        decision_date=date(2019, 9, 1),
        legal_areas=["strafrecht", "arbeitsrecht"],
        proceeding="criminal",
        exploitation_forms=["labour"],
        control_means=["debt_bondage"],
        victims_nationalities=["RO"],
        sentence_months=30,
        sentence_suspended=True,
        outcome=["conviction"],
        norms=["§ 232b StGB", "§ 232a StGB"],
    )
    create_resource(
        title="Aufenthalt",
        court="VG Berlin",
        decision_date=date(2021, 5, 5),
        legal_areas=["aufenthaltsrecht"],
        proceeding="administrative",
        exploitation_forms=["sexual"],
        victims_nationalities=["NG"],
        outcome=["residence_granted"],
        norms=["§ 25 Abs. 4a AufenthG"],
    )
    hidden = {
        "court": "LG Hamburg",
        "decision_date": date(2019, 7, 7),
        "legal_areas": ["strafrecht"],
        "exploitation_forms": ["organ_removal"],
        "victims_nationalities": ["MD"],
        "sentence_months": 99,
        "outcome": ["compensation_awarded"],
        "norms": ["§ 233 StGB"],
    }
    create_resource(title="Fremd", organisation=other, visibility="organisation", **hidden)
    create_resource(title="Nur Geschäftsstelle", visibility="office", **hidden)
    create_resource(title="Entwurf", organisation=other, status="draft", **hidden)


def test_the_api_counts_the_known_decisions(client, login_as, decisions):
    login_as("member")
    data = client.get("/api/v1/statistics").get_json()
    assert data["total"] == 3
    assert data["by_year"] == {"2019": 2, "2021": 1}
    assert data["by_year_and_legal_area"] == {
        "2019": {"strafrecht": 2},
        "2021": {"aufenthaltsrecht": 1},
    }
    assert data["outcomes_by_year"]["2019"] == {
        "decisions": 2,
        "compensation_awarded": 1,
        "residence_granted": 0,
    }
    assert data["outcomes_by_year"]["2021"]["residence_granted"] == 1
    assert data["exploitation_forms"] == {"sexual": 2, "labour": 1}
    assert data["control_means"] == {"debt_bondage": 2, "ritual_oath": 1}
    assert data["victims_nationalities"] == {"NG": 2, "RO": 1}
    assert data["by_federal_state"]["BE"] == 2
    assert data["by_federal_state"]["BY"] == 1
    assert data["by_federal_state"]["HH"] == 0
    assert len(data["by_federal_state"]) == 16
    assert data["cited_norms"] == {"§ 232a StGB": 2, "§ 232b StGB": 1, "§ 25 AufenthG": 1}
    assert data["sentences_by_offence"]["§ 232a StGB"] == {
        "decisions": 2,
        "median_months": 37.5,
        "min_months": 30,
        "max_months": 45,
        "suspended": 1,
    }
    assert data["contributions_by_organisation"]["fbs-nord"]["case_law"] == 3
    assert "fbs-ost" not in data["contributions_by_organisation"]
    check(openapi_document(), "Statistics", data)


def test_the_office_counts_what_it_may_see_and_never_drafts(client, login_as, decisions):
    login_as("editor")
    data = client.get("/api/v1/statistics").get_json()
    assert data["total"] == 5
    assert data["by_federal_state"]["HH"] == 2
    assert data["exploitation_forms"]["organ_removal"] == 2


@pytest.mark.parametrize(
    ("query", "total"),
    [
        ("year_from=2020", 1),
        ("year_to=2019", 2),
        ("year_from=2019&year_to=2019&legal_area=arbeitsrecht", 1),
        ("court_level=LG", 2),
        ("court_level=VG&court_level=LG", 3),
        ("legal_area=asylrecht", 0),
    ],
)
def test_the_filters_narrow_the_counts(client, login_as, decisions, query, total):
    login_as("member")
    assert client.get(f"/api/v1/statistics?{query}").get_json()["total"] == total


@pytest.mark.parametrize(
    "query", ["year_from=19", "court_level=Amtsgericht", "legal_area=x", "colour=blau"]
)
def test_a_bad_parameter_is_a_400_naming_it(client, login_as, decisions, query):
    login_as("member")
    response = client.get(f"/api/v1/statistics?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_json()["error"]["message"]


def test_the_page_draws_every_chart_with_a_table_and_no_hidden_resource(
    client, login_as, decisions
):
    login_as("member")
    html = client.get("/statistics/").get_data(as_text=True)
    assert "<h1>Statistik</h1>" in html
    assert "3 Entscheidungen gezählt" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 9
    assert html.count('role="img"') == 9
    assert html.count('<th scope="col">') > 9
    assert "<caption>Zahlen: Ausbeutungsformen</caption>" in html
    assert '<th scope="row">Rumänien</th>' in html
    assert '<th scope="row">Berlin</th><td class="number">2</td>' in html
    assert "Ritueller Schwur (Juju)" in html
    for hidden in (
        "Republik Moldau",
        "Organentnahme",
        "§ 233 StGB",
        'Hamburg</th><td class="number">1',
    ):
        assert hidden not in html
    assert 'href="/statistics/nationalities.csv"' in html


def test_the_page_filters_like_the_api_and_refuses_a_bad_year_in_german(
    client, login_as, decisions
):
    login_as("member")
    html = client.get("/statistics/?year_from=2020&legal_area=aufenthaltsrecht").get_data(
        as_text=True
    )
    assert "1 Entscheidung gezählt" in html
    assert "/statistics/states.csv?year_from=2020&amp;legal_area=aufenthaltsrecht" in html
    bad = client.get("/statistics/?year_from=2021&year_to=2019").get_data(as_text=True)
    assert "Das Ende des Zeitraums liegt vor seinem Anfang." in bad


def test_a_csv_file_holds_the_chart_numbers_and_nothing_hidden(client, login_as, decisions):
    login_as("member")
    response = client.get("/statistics/nationalities.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "statistik-nationalities.csv" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines == ["Staatsangehörigkeit,Entscheidungen", "Nigeria,2", "Rumänien,1"]
    states = client.get("/statistics/states.csv").get_data(as_text=True)
    assert "Hamburg,0" in states
    assert client.get("/statistics/nothing.csv").status_code == 404


def test_the_statistics_need_a_login(client):
    assert client.get("/statistics/").status_code == 302
    assert client.get("/api/v1/statistics").status_code == 401


def test_english_readers_get_english_charts_and_country_names(client, login_as, decisions):
    login_as("member")
    client.post("/auth/profile/language", data={"language": "en"})
    html = client.get("/statistics/").get_data(as_text=True)
    assert "<h1>Statistics</h1>" in html
    assert "3 decisions counted" in html
    assert "<caption>Numbers: Forms of exploitation</caption>" in html
    assert '<th scope="row">Romania</th>' in html
    assert "Ritual oath (juju)" in html
