"""Lists per type with filters, sorting and pagination; courts from the catalogue."""

import re
from datetime import date, datetime

import pytest

from portal.extensions import db
from portal.resources.models import Court


def titles(html: str, *candidates: str) -> list[str]:
    return sorted((t for t in candidates if t in html), key=html.index)


@pytest.fixture
def library(create_resource, create_org):
    other = create_org(slug="fbs-west", name="Fachberatungsstelle West")
    create_resource(
        title="Alpha BGH 2019",
        court="BGH",
        decision_date=date(2019, 3, 1),
        legal_areas=["strafrecht"],
        norms=["§ 232a StGB"],
        topics=["Arbeitsausbeutung"],
        published_at=datetime(2020, 1, 1),
    )
    create_resource(
        title="Beta OLG 2021",
        court="OLG München",
        decision_date=date(2021, 6, 1),
        legal_areas=["aufenthaltsrecht"],
        norms=["§ 25 AufenthG"],
        organisation=other,
        published_at=datetime(2022, 1, 1),
    )
    create_resource(
        title="Gamma Schulung",
        type="training_material",
        event_date=date(2021, 9, 9),
        topics=["Zwangsprostitution"],
        published_at=datetime(2023, 1, 1),
    )
    create_resource(title="Delta Entwurf", status="draft", court="BGH")
    return other


def test_each_type_has_its_own_list(client, login_as, library):
    login_as("member")
    all_html = client.get("/resources/").text
    assert titles(all_html, "Alpha BGH 2019", "Beta OLG 2021", "Gamma Schulung") == [
        "Gamma Schulung",
        "Beta OLG 2021",
        "Alpha BGH 2019",
    ]
    assert "Delta Entwurf" not in all_html  # drafts only with the status filter
    case_law = client.get("/resources/case-law").text
    assert "Gamma Schulung" not in case_law and "Alpha BGH 2019" in case_law
    assert "Gamma Schulung" in client.get("/resources/training").text
    assert "Alpha" not in client.get("/resources/position-papers").text


def test_the_topic_filter_suggests_the_topics_and_tags_of_what_the_reader_may_see(
    client, login_as, create_resource, office
):
    create_resource(topics=["Zwangsprostitution", "Nebenklage"], tags=["Juju"])
    create_resource(topics=["Zwangsprostitution", "Nebenklage"], tags=["Juju"])
    create_resource(topics=["Arbeitsausbeutung"], tags=[])
    create_resource(
        topics=["Geheimthema"], tags=["geheim"], visibility="office", organisation=office
    )
    login_as("member")

    page = client.get("/resources/").text
    datalist = page[page.index('<datalist id="known-topics">') : page.index("</datalist>")]

    assert re.findall(r'<option value="([^"]*)">', datalist) == [
        "Arbeitsausbeutung", "Juju", "Nebenklage", "Zwangsprostitution"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("legal_area=aufenthaltsrecht", ["Beta OLG 2021"]),
        ("year=2021", ["Beta OLG 2021", "Gamma Schulung"]),
        ("norm=232a+stgb", ["Alpha BGH 2019"]),
        ("topic=Zwangsprostitution", ["Gamma Schulung"]),
        ("status=draft", ["Delta Entwurf"]),
        (
            "status=all&sort=title",
            ["Alpha BGH 2019", "Beta OLG 2021", "Delta Entwurf", "Gamma Schulung"],
        ),
        ("sort=oldest", ["Alpha BGH 2019", "Beta OLG 2021", "Gamma Schulung"]),
        ("sort=decision_date", ["Beta OLG 2021", "Alpha BGH 2019", "Gamma Schulung"]),
    ],
)
def test_filters_and_sorting(client, login_as, library, query, expected):
    login_as("member")
    html = client.get(f"/resources/?{query}").text
    found = titles(html, "Alpha BGH 2019", "Beta OLG 2021", "Gamma Schulung", "Delta Entwurf")
    if "sort" in query:
        assert found == expected
    else:
        assert sorted(found) == sorted(expected)


def test_filter_by_court_and_organisation(app, client, login_as, library):
    login_as("member")
    with app.app_context():
        bgh = db.session.scalar(db.select(Court.id).filter_by(slug="bgh"))
    html = client.get(f"/resources/case-law?court={bgh}").text
    assert "Alpha BGH 2019" in html and "Beta OLG 2021" not in html
    html = client.get(f"/resources/?organisation={library.id}").text
    assert "Beta OLG 2021" in html and "Alpha BGH 2019" not in html


def test_an_unknown_norm_in_the_filter_is_explained(client, login_as, library):
    login_as("member")
    html = client.get("/resources/?norm=quatsch").text
    assert "Norm nicht erkannt" in html


def test_lists_are_paginated(client, login_as, create_resource):
    for n in range(25):
        create_resource(title=f"Eintrag Nummer {n:02d}", published_at=datetime(2020, 1, n + 1))
    login_as("member")
    first = client.get("/resources/").text
    assert "Seite 1 von 2" in first and "Eintrag Nummer 24" in first
    second = client.get("/resources/?page=2").text
    assert "Eintrag Nummer 00" in second and "Eintrag Nummer 24" not in second


def test_sync_courts_is_idempotent(app, runner):
    first = runner.invoke(args=["sync-courts"])
    assert first.exit_code == 0 and "0 updated" in first.output
    second = runner.invoke(args=["sync-courts"])
    assert "Courts: 0 created, 0 updated." in second.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Court.id))) >= 100
