"""The OpenAPI description is valid and real answers match its schemas."""

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from portal.api.openapi import openapi_document


def validator(document: dict, name: str) -> Draft202012Validator:
    registry = Registry().with_resource(
        "urn:portal-openapi", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"urn:portal-openapi#/components/schemas/{name}"},
        registry=registry,
        format_checker=FormatChecker(),
    )


def check(document: dict, name: str, instance) -> None:
    errors = sorted(validator(document, name).iter_errors(instance), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


@pytest.fixture
def document(client, create_user, make_token):
    token = make_token(create_user())
    response = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.json


def test_the_description_is_openapi_3_1_with_bearer_auth_and_valid_schemas(document):
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert {"bearerAuth": []} in document["security"]
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for path in document["paths"].values():
        for parameter in path["get"].get("parameters", []):
            Draft202012Validator.check_schema(parameter["schema"])
    assert set(document["paths"]) == {
        "/search",
        "/resources/{id}",
        "/notifications",
        "/statistics",
        "/openapi.json",
    }


def test_real_answers_match_the_description(
    app, client, create_org, create_user, create_resource, make_token
):
    from datetime import date

    document = openapi_document()
    create_resource(
        title="Entschädigung für Opfer von Menschenhandel",
        summary="Opferentschädigung nach dem SGB XIV.",
        court="BSG",
        norms=["§ 232 StGB", "Art. 4 EMRK"],
        decision_date=date(2020, 2, 3),
        file_number="B 9 V 1/19 R",
        legal_areas=["opferentschaedigung"],
        topics=["Entschädigung"],
    )
    create_resource(title="Schulung Menschenhandel", type="training_material", format="slides")
    paper = create_resource(
        title="Stellungnahme Menschenhandel", type="position_paper", authors=["KOK"]
    )
    hidden = create_resource(organisation=create_org(), visibility="organisation")
    reader = create_user()
    headers = {"Authorization": f"Bearer {make_token(reader)}"}

    for params in (
        {"q": "Menschenhandel"},
        {"q": "Entschädigung", "mode": "describe", "per_page": "1"},
        {"q": "Menschenhandl"},
        {"type": "case_law", "sort": "newest"},
        {"q": "nichtsdergleichen"},
    ):
        response = client.get("/api/v1/search", query_string=params, headers=headers)
        assert response.status_code == 200
        check(document, "SearchResult", response.json)

    for resource in (paper,):
        response = client.get(f"/api/v1/resources/{resource.id}", headers=headers)
        check(document, "Resource", response.json)
    first = client.get("/api/v1/search?type=case_law", headers=headers).json["results"][0]
    check(
        document, "Resource", client.get(f"/api/v1/resources/{first['id']}", headers=headers).json
    )
    training = client.get("/api/v1/search?type=training_material", headers=headers).json
    check(
        document,
        "Resource",
        client.get(f"/api/v1/resources/{training['results'][0]['id']}", headers=headers).json,
    )

    with app.app_context():
        from portal.auth.models import User
        from portal.extensions import db
        from portal.notifications.services import notify
        from portal.resources.models import Resource as Entry

        notify([db.session.get(User, reader.id)], "published", db.session.get(Entry, paper.id))
        db.session.commit()
    notifications = client.get("/api/v1/notifications", headers=headers).json
    assert notifications["total"] == 1
    check(document, "Notifications", notifications)

    errors = [
        client.get("/api/v1/search?per_page=500", headers=headers),
        client.get("/api/v1/search"),
        client.get(f"/api/v1/resources/{hidden.id}", headers=headers),
    ]
    assert [r.status_code for r in errors] == [400, 401, 404]
    for response in errors:
        check(document, "Error", response.json)
