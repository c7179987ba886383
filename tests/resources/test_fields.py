"""The field table: a field written once reaches form, record, import/export, facts and API.

`victims_count` (case law, optional integer, "Fall" group) was added through the table, a
column and a migration only; these tests follow it through every reader of the table.
"""

import json

import pytest

from portal.api.openapi import openapi_document
from portal.extensions import db
from portal.resources import fields
from portal.resources.forms import FORMS
from portal.resources.models import Resource
from portal.resources.records import fields_for, to_record


def case_law_form(app, **overrides):
    data = {
        "title": "BGH zum Menschenhandel",
        "summary": "Kurz: Verurteilung bestätigt.",
        "language": "de",
        "visibility": "members",
        "court": "bgh",
        "decision_date": "2021-05-04",
        "victims_count": "3",
        "save": "1",
    }
    data.update(overrides)
    return data


def test_every_model_attribute_named_in_the_table_exists():
    for f in fields.FIELDS:
        if f.kind not in ("court", "norms", "organisation", "external_id", "resource_type"):
            assert hasattr(Resource, f.name), f.name


@pytest.mark.parametrize("resource_type", ["case_law", "training_material", "position_paper"])
def test_each_type_form_has_exactly_the_table_fields_of_its_groups(app, resource_type):
    with app.test_request_context():
        form = FORMS[resource_type](formdata=None)
        grouped = {name for _legend, names in form.groups for name in names}
    expected = {f.name for f in fields.form_fields(resource_type)} | {"accept_norms"}
    assert grouped == expected
    assert expected - {"accept_norms"} <= set(form._fields)


def test_a_new_field_is_in_the_case_law_form_under_its_group_with_help(app, client, login_as):
    login_as("member")
    html = client.get("/resources/new/case-law").get_data(as_text=True)
    assert "<legend>Fall</legend>" in html
    assert 'name="victims_count"' in html
    assert "leer, wenn unbekannt" in html
    assert 'name="victims_count"' not in client.get("/resources/new/training").get_data(
        as_text=True
    )


def test_the_form_saves_the_field_and_the_detail_page_lists_it(app, client, login_as):
    login_as("member")
    client.get("/resources/new/case-law")
    response = client.post("/resources/new/case-law", data=case_law_form(app))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        resource = db.session.scalars(db.select(Resource)).one()
        assert resource.victims_count == 3
        assert to_record(resource)["victims_count"] == 3
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Zahl der Betroffenen</dt>" in page
    assert "<dd>3</dd>" in page


def test_a_bad_number_is_refused_in_german_and_the_input_is_kept(app, client, login_as):
    login_as("member")
    client.get("/resources/new/case-law")
    response = client.post("/resources/new/case-law", data=case_law_form(app, victims_count="-2"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bitte eine ganze Zahl von 0 bis 100000 angeben." in html
    assert "BGH zum Menschenhandel" in html


def test_export_and_import_carry_the_field(app, runner, office, tmp_path, create_resource):
    create_resource(external_id="fall-1", court="BGH", victims_count=7)
    out = tmp_path / "export.jsonl"
    assert runner.invoke(args=["export", str(out)]).exit_code == 0
    record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert record["victims_count"] == 7
    record["victims_count"] = 9
    out.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(out)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(db.select(Resource.victims_count)) == 9


@pytest.mark.parametrize("value", [-1, "drei", 2.5, True])
def test_the_import_refuses_what_is_not_a_count(app, runner, office, tmp_path, value):
    line = {
        "external_id": "fall-2",
        "type": "case_law",
        "title": "Ein Fall",
        "victims_count": value,
    }
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0
    assert "victims_count" in result.output


def test_only_case_law_records_have_the_field():
    assert "victims_count" in fields_for("case_law")
    assert "victims_count" not in fields_for("training_material")


def test_the_openapi_schema_describes_the_field():
    schema = openapi_document()["components"]["schemas"]["Resource"]["properties"]
    assert schema["victims_count"] == {"type": ["integer", "null"]}


def test_a_field_added_to_the_table_reaches_record_facts_and_schema(app, monkeypatch):
    """The generic path: a row added at run time (on an existing column) is read everywhere."""
    extra = fields.Field("event_name", "Probe", "text", ("case_law",), length=300)
    table = (*fields.FIELDS, extra)
    monkeypatch.setattr(fields, "FIELDS", table)
    monkeypatch.setattr(fields, "BY_NAME", {f.name: f for f in table})
    with app.app_context():
        resource = Resource(type="case_law", title="T", event_name="Probewert")
        assert to_record(resource, links=[])["event_name"] == "Probewert"
        assert (extra, "Probewert") in fields.facts_of(resource)
        assert fields.label("event_name") == "Probe"
