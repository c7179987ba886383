"""Structured case facts: the fields of issue 14 through import, form, detail page and the
migration that turned the single outcome into a list."""

import json

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from portal.resources.models import Resource, Revision
from portal.resources.records import to_record
from tests.resources.test_norm_migration import _insert

FACTS = {
    "exploitation_forms": ["sexual", "labour"],
    "control_means": ["debt_bondage", "ritual_oath"],
    "victims_count": 4,
    "victims_minors": 1,
    "victims_genders": ["female"],
    "victims_nationalities": ["NG", "RO"],
    "defendants_count": 2,
    "sentence_months": 45,
    "sentence_suspended": False,
    "compensation_eur": 12500,
    "proceeding": "criminal",
    "outcome": ["conviction", "compensation_awarded"],
}


def case(external_id="fall-1", **fields):
    record = {
        "external_id": external_id,
        "type": "case_law",
        "title": "Zwangsprostitution mit Juju-Schwur",
        "court": "LG Berlin",
        "decision_date": "2021-03-04",
    }
    record.update(fields)
    return record


@pytest.fixture
def import_lines(runner, office, tmp_path):
    def run(*records):
        path = tmp_path / "import.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        return runner.invoke(args=["import", str(path)])

    return run


def test_the_facts_are_imported_as_keys_and_exported_unchanged(app, import_lines):
    result = import_lines(case(**FACTS))
    assert result.exit_code == 0, result.output
    with app.app_context():
        resource = db.session.scalars(db.select(Resource)).one()
        record = to_record(resource)
    assert {name: record[name] for name in FACTS} == FACTS


def test_the_import_takes_labels_in_german_and_english_in_any_case(app, import_lines):
    result = import_lines(
        case(
            exploitation_forms=["Sexuelle Ausbeutung", "LABOUR EXPLOITATION", "begging"],
            control_means=["Schuldknechtschaft", "ritual oath (juju)"],
            victims_genders=["Weiblich", "male"],
            victims_nationalities=["Rumänien", "nigeria", "bg", "Moldova"],
            proceeding="Strafverfahren",
            outcome="Verurteilung",
            sentence_suspended="ja",
        )
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        resource = db.session.scalars(db.select(Resource)).one()
        assert resource.exploitation_forms == ["sexual", "labour", "begging"]
        assert resource.control_means == ["debt_bondage", "ritual_oath"]
        assert resource.victims_genders == ["female", "male"]
        assert resource.victims_nationalities == ["RO", "NG", "BG", "MD"]
        assert resource.proceeding == "criminal"
        assert resource.outcome == ["conviction"]
        assert resource.sentence_suspended is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("exploitation_forms", ["Sklaverei"], "„Sklaverei“ ist nicht erlaubt"),
        ("victims_nationalities", ["Atlantis"], "„Atlantis“ ist nicht bekannt"),
        ("sentence_months", -3, "Ganze Zahl von 0 bis 1200 erwartet"),
        ("compensation_eur", "viel", "Zahl von 0 bis 100000000 erwartet"),
        ("sentence_suspended", "vielleicht", "true oder false erwartet"),
        ("proceeding", "Schiedsverfahren", "„Schiedsverfahren“ ist nicht erlaubt"),
    ],
)
def test_a_bad_value_names_line_and_field_in_german_and_nothing_is_imported(
    app, import_lines, field, value, message
):
    result = import_lines(case("gut", **FACTS), case("schlecht", **{field: value}))
    assert result.exit_code != 0
    assert f"Zeile 2, Feld {field}:" in result.output
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Resource.id))) == 0


def test_the_form_saves_the_facts_and_the_detail_page_shows_german_labels(client, app, login_as):
    login_as("member")
    client.get("/resources/new/case-law")
    response = client.post(
        "/resources/new/case-law",
        data={
            "title": "LG zur Arbeitsausbeutung",
            "summary": "Kurz.",
            "language": "de",
            "visibility": "members",
            "court": "bgh",
            "decision_date": "2022-01-10",
            "exploitation_forms": ["labour"],
            "control_means": ["document_retention", "isolation"],
            "victims_nationalities": "Rumänien, BG",
            "proceeding": "criminal",
            "sentence_months": "30",
            "sentence_suspended": "yes",
            "compensation_eur": "12.500,50",
            "outcome": ["conviction", "compensation_awarded"],
            "save": "1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        resource = db.session.scalars(db.select(Resource)).one()
        assert resource.victims_nationalities == ["RO", "BG"]
        assert resource.compensation_eur == 12500.5
        assert resource.sentence_suspended is True
        assert resource.outcome == ["conviction", "compensation_awarded"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Ausbeutungsformen</dt>" in page
    assert "Arbeitsausbeutung" in page
    assert "Einbehalten von Ausweispapieren, Isolation" in page
    assert "Rumänien, Bulgarien" in page
    assert "12.500,5 €" in page
    assert "<dt>Zur Bewährung ausgesetzt</dt>" in page
    assert "Verurteilung, Entschädigung zugesprochen" in page
    edit = client.get(response.headers["Location"] + "/edit").get_data(as_text=True)
    assert 'value="Rumänien, Bulgarien"' in edit


def test_an_unknown_country_in_the_form_is_refused_with_its_name(client, login_as):
    login_as("member")
    client.get("/resources/new/case-law")
    response = client.post(
        "/resources/new/case-law",
        data={
            "title": "T",
            "summary": "Kurz.",
            "language": "de",
            "visibility": "members",
            "court": "bgh",
            "decision_date": "2022-01-10",
            "victims_nationalities": "Rumänien, Atlantis",
            "save": "1",
        },
    )
    assert response.status_code == 200
    assert "Unbekanntes Land: „Atlantis“" in response.get_data(as_text=True)


def test_the_migration_turns_each_outcome_into_a_list_and_back(tmp_path):
    app = create_app({"ENV_NAME": "test"}, instance_path=tmp_path)
    with app.app_context():
        upgrade(revision="7c1e5a9d3b20")
        with db.engine.begin() as connection:
            _insert(connection, "organisation", id=1, slug="kok", kind="office")
            for rid, outcome in ((1, "conviction"), (2, ""), (3, "residence_granted")):
                _insert(
                    connection, "resource", id=rid, type="case_law", organisation_id=1,
                    outcome=outcome,
                )  # fmt: skip
            _insert(
                connection, "revision", resource_id=1, version=1, action="create",
                data=json.dumps({"type": "case_law", "outcome": "conviction"}),
            )  # fmt: skip
        upgrade()
        rows = db.session.execute(db.select(Resource.id, Resource.outcome).order_by(Resource.id))
        assert [tuple(row) for row in rows] == [
            (1, ["conviction"]),
            (2, []),
            (3, ["residence_granted"]),
        ]
        assert db.session.scalar(db.select(Revision.data))["outcome"] == ["conviction"]
        db.session.remove()
        downgrade(revision="7c1e5a9d3b20")
        with db.engine.connect() as connection:
            outcomes = connection.execute(sa.text("SELECT outcome FROM resource ORDER BY id"))
            assert [row[0] for row in outcomes] == ["conviction", "", "residence_granted"]
