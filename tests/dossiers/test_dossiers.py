"""Dossiers ("Mappen"): collecting entries from pages and search results, notes, order,
sharing with the own organisation, citation lists; never with what the viewer may not see."""

import re

import pytest

from portal.dossiers.models import Dossier, DossierEntry
from portal.extensions import db
from portal.resources.models import Resource


@pytest.fixture
def entries(create_resource):
    return [
        create_resource(title=f"Entscheidung {n}", court="BGH", file_number=f"3 StR {n}/19")
        for n in (1, 2, 3)
    ]


def make_dossier(client, title="Anhörung Mai", shared=False, resource=None):
    client.get("/dossiers/")
    data = {"title": title}
    if shared:
        data["shared"] = "y"
    if resource is not None:
        data["resource_id"] = str(resource.id)
    response = client.post("/dossiers/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def add(client, dossier_id, resource, next_url="/"):
    return client.post(
        "/dossiers/add",
        data={"dossier": dossier_id, "resource_id": resource.id, "next": next_url},
    )


def titles(html: str) -> list[str]:
    return re.findall(r'<li class="dossier-entry">\s*<h3><a href="[^"]+">([^<]+)</a>', html)


def test_a_member_collects_entries_with_notes_in_an_order_of_her_own(
    app, client, login_as, entries
):
    login_as("member")
    dossier_id = make_dossier(client, resource=entries[0])
    for resource in entries[1:]:
        assert add(client, dossier_id, resource, f"/resources/{resource.id}").status_code == 302
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert titles(page) == ["Entscheidung 1", "Entscheidung 2", "Entscheidung 3"]

    with app.app_context():
        third = db.session.scalar(db.select(DossierEntry.id).filter_by(resource_id=entries[2].id))
    client.post(f"/dossiers/{dossier_id}/entries/{third}/up")
    client.post(f"/dossiers/{dossier_id}/entries/{third}/up")
    client.post(f"/dossiers/{dossier_id}/entries/{third}/note", data={"note": "Für die Anhörung"})
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert titles(page) == ["Entscheidung 3", "Entscheidung 1", "Entscheidung 2"]
    assert "Für die Anhörung</textarea>" in page

    client.post(f"/dossiers/{dossier_id}/entries/{third}/remove")
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert titles(page) == ["Entscheidung 1", "Entscheidung 2"]


def test_adding_twice_is_refused_in_german(client, login_as, entries):
    login_as("member")
    dossier_id = make_dossier(client, resource=entries[0])
    response = add(client, dossier_id, entries[0], "/dossiers/")
    assert response.status_code == 302
    assert "Der Eintrag liegt schon in dieser Mappe." in client.get("/dossiers/").get_data(
        as_text=True
    )


def test_the_detail_page_and_search_results_offer_the_dossier(client, login_as, entries):
    login_as("member")
    page = client.get(f"/resources/{entries[0].id}").get_data(as_text=True)
    assert "Neue Mappe mit diesem Eintrag" in page
    make_dossier(client, title="Schulung Juni")
    page = client.get(f"/resources/{entries[0].id}").get_data(as_text=True)
    assert '<option value="1">Schulung Juni</option>' in page
    results = client.get("/search/?q=Entscheidung").get_data(as_text=True)
    assert 'form="add-dossier-' in results
    assert f'<form method="post" action="/dossiers/add" id="add-dossier-{entries[0].id}"' in results


def test_a_shared_dossier_is_open_to_colleagues_only(
    app, client, auth, login_as, create_user, create_org, member_org, entries
):
    login_as("member")
    shared = make_dossier(client, title="Geteilt", shared=True, resource=entries[0])
    personal = make_dossier(client, title="Persönlich", resource=entries[1])
    auth.logout()
    colleague = create_user(organisation=member_org)
    auth.login(colleague.email)
    assert client.get(f"/dossiers/{shared}").status_code == 200
    assert client.get(f"/dossiers/{personal}").status_code == 404
    assert "Persönlich" not in client.get("/dossiers/").get_data(as_text=True)
    auth.logout()
    stranger = create_user(organisation=create_org(slug="fbs-ost"))
    auth.login(stranger.email)
    assert client.get(f"/dossiers/{shared}").status_code == 404
    assert client.get(f"/dossiers/{shared}/citations.ris").status_code == 404
    add(client, shared, entries[2])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DossierEntry.id))) == 2


def test_a_hidden_resource_is_neither_added_nor_shown_nor_exported(
    app, client, login_as, create_resource, create_org, entries
):
    other = create_org(slug="fbs-ost", name="Fachberatungsstelle Ost")
    hidden = create_resource(
        title="Verborgen", court="LG Hamburg", organisation=other, visibility="organisation"
    )
    login_as("member")
    dossier_id = make_dossier(client, resource=entries[0])
    add(client, dossier_id, hidden)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DossierEntry.id))) == 1
        # It was visible when added; since then its owner hid it.
        db.session.add(DossierEntry(dossier_id=dossier_id, resource_id=hidden.id, position=9))
        db.session.commit()
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert titles(page) == ["Entscheidung 1"]
    assert "Verborgen" not in page
    ris = client.get(f"/dossiers/{dossier_id}/citations.ris").get_data(as_text=True)
    csv = client.get(f"/dossiers/{dossier_id}/citations.csv").get_data(as_text=True)
    assert ris.count("TY  - ") == 1
    assert "Verborgen" not in ris + csv
    overview = client.get("/dossiers/").get_data(as_text=True)
    assert re.search(r"Anhörung Mai</a></th>\s*<td>1</td>", overview)
    with app.app_context():
        assert db.session.get(Dossier, dossier_id) is not None
        assert db.session.get(Resource, hidden.id) is not None


def test_only_the_owner_deletes_a_dossier(client, auth, login_as, create_user, member_org):
    login_as("member")
    dossier_id = make_dossier(client, title="Geteilt", shared=True)
    auth.logout()
    colleague = create_user(organisation=member_org)
    auth.login(colleague.email)
    client.post(f"/dossiers/{dossier_id}/delete")
    assert client.get(f"/dossiers/{dossier_id}").status_code == 200


def pdf_text(data: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_dossier_prints_as_a_pdf_with_contents_citations_and_page_numbers(
    client, login_as, create_resource, entries
):
    from datetime import date

    decision = create_resource(
        title="Schmerzensgeld für „Frau D.“",
        court="LG Hamburg",
        decision_type="urteil",
        decision_date=date(2019, 2, 7),
        file_number="632 KLs 3/18",
        exploitation_forms=["sexual"],
        compensation_eur=15000,
        norms=["§ 232a StGB"],
        summary="Die Kammer verurteilte den Angeklagten – rechtskräftig.",
    )
    login_as("member")
    dossier_id = make_dossier(client, title="Anhörung Mai", resource=decision)
    add(client, dossier_id, entries[0])
    response = client.get(f"/dossiers/{dossier_id}/dossier.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Anhörung Mai" in text
    assert "Inhalt" in text
    assert "LG Hamburg, Urt. v. 07.02.2019 – 632 KLs 3/18" in text
    assert "Schmerzensgeld für „Frau D.“" in text
    assert "Sexuelle Ausbeutung" in text
    assert "15.000 €" in text
    assert "§ 232a StGB" in text
    assert "Seite 3" in text


def test_search_results_print_as_a_pdf_without_hidden_entries(
    client, login_as, create_resource, create_org, entries
):
    other = create_org(slug="fbs-ost", name="Fachberatungsstelle Ost")
    create_resource(title="Entscheidung verborgen", organisation=other, visibility="organisation")
    login_as("member")
    response = client.get("/search/dossier.pdf?q=Entscheidung")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Suchergebnisse für „Entscheidung“" in text
    assert "Entscheidung 3" in text
    assert "verborgen" not in text


def test_the_personal_data_export_holds_the_own_dossiers_with_notes(app, client, login_as, entries):
    import json

    from tests.helpers import PASSWORD

    login_as("member")
    dossier_id = make_dossier(client, title="Anhörung Mai", resource=entries[0])
    with app.app_context():
        entry = db.session.scalar(db.select(DossierEntry.id))
    client.post(f"/dossiers/{dossier_id}/entries/{entry}/note", data={"note": "Wichtig"})
    response = client.post("/auth/profile/export", data={"export-current_password": PASSWORD})
    data = json.loads(response.get_data(as_text=True))
    assert data["dossiers"][0]["title"] == "Anhörung Mai"
    assert data["dossiers"][0]["entries"] == [{"resource_id": entries[0].id, "note": "Wichtig"}]
