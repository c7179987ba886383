"""Norm citations: suggested from the text, confirmed by editors, linked to norm pages."""

import re

from portal.extensions import db
from portal.resources.models import Resource

BODY = "Das Gericht prüfte § 232a StGB und verneinte § 25 Abs. 4a AufenthG."


def form(**overrides):
    data = {
        "title": "Schulung Zwangsarbeit",
        "summary": "Überblick",
        "body": BODY,
        "language": "de",
        "visibility": "members",
        "format": "",
        "save": "1",
    }
    data.update(overrides)
    return data


def test_norms_in_the_text_are_suggested_on_the_form(client, login_as):
    login_as("member")
    data = form()
    data.pop("save")
    data["suggest"] = "1"
    html = client.post("/resources/new/training", data=data).text
    assert "Im Text gefundene Normen übernehmen" in html
    assert 'value="StGB § 232a"' in html and "§ 232a StGB" in html
    assert 'value="AufenthG § 25 Abs. 4a"' in html and "§ 25 Abs. 4a AufenthG" in html
    assert BODY in html  # nothing typed is lost by asking for suggestions
    # Suggestions start ticked: saving takes them unless the person unticks one.
    for key in ("StGB § 232a", "AufenthG § 25 Abs. 4a"):
        assert re.search(rf'<input checked[^>]*value="{re.escape(key)}"', html), key


def test_a_posted_form_keeps_the_suggestions_the_person_unticked(client, login_as):
    login_as("member")
    data = form(norms="nicht erkennbar", accept_norms=["StGB § 232a"])
    html = client.post("/resources/new/training", data=data).text
    assert re.search(r'<input checked[^>]*value="StGB § 232a"', html)
    assert not re.search(r'<input checked[^>]*value="AufenthG § 25 Abs. 4a"', html)


def test_confirmed_suggestions_and_typed_norms_are_kept_and_linked(app, client, login_as):
    login_as("member")
    response = client.post(
        "/resources/new/training",
        data=form(norms="art. 4 emrk", accept_norms=["StGB § 232a"]),
    )
    assert response.status_code == 302
    with app.app_context():
        resource = db.session.scalars(db.select(Resource)).one()
        norms = {n.label: n.confirmed for n in resource.norms}
        resource_id = resource.id
    assert norms == {"Art. 4 EMRK": True, "§ 232a StGB": True, "§ 25 Abs. 4a AufenthG": False}
    html = client.get(f"/resources/{resource_id}").text
    assert 'href="/norms/stgb-232a"' in html and 'href="/norms/emrk-4"' in html
    # Not confirmed: not listed as a citation, but still offered on the edit form.
    assert 'href="/norms/aufenthg-25-abs-4a"' not in html
    edit = client.get(f"/resources/{resource_id}/edit").text
    assert 'value="AufenthG § 25 Abs. 4a"' in edit
    # Saved unticked before: offered again, but not ticked for the person.
    assert not re.search(r'<input checked[^>]*value="AufenthG § 25 Abs. 4a"', edit)
    assert 'value="StGB § 232a"' not in edit  # already confirmed: in the text field


def test_unparseable_norms_get_a_german_error_next_to_the_field(app, client, login_as):
    login_as("member")
    response = client.post("/resources/new/training", data=form(norms="§ 232a StGB\nirgendwas"))
    html = response.text
    assert response.status_code == 200
    assert 'id="norms-error"' in html
    assert "Nicht erkannt: „irgendwas“" in html
    assert "irgendwas</textarea>" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Resource.id))) == 0


def test_typed_norms_keep_absatz_satz_and_nummer_and_link_to_their_own_page(app, client, login_as):
    login_as("member")
    typed = "§25 Abs.4a S. 3 AufenthG\n§ 232a abs. 1 nr. 1 stgb\nArt. 6 Abs. 1 GG"
    response = client.post("/resources/new/training", data=form(norms=typed))
    assert response.status_code == 302
    with app.app_context():
        resource = db.session.scalars(db.select(Resource)).one()
        confirmed = [(n.label, n.section_key) for n in resource.norms if n.confirmed]
        resource_id = resource.id
    assert confirmed == [
        ("§ 25 Abs. 4a Satz 3 AufenthG", "AufenthG § 25"),
        ("§ 232a Abs. 1 Nr. 1 StGB", "StGB § 232a"),
        ("Art. 6 Abs. 1 GG", "GG Art. 6"),
    ]
    html = client.get(f"/resources/{resource_id}").text
    assert 'href="/norms/aufenthg-25-abs-4a-satz-3"' in html
    assert 'href="/norms/stgb-232a-abs-1-nr-1"' in html
    edit = client.get(f"/resources/{resource_id}/edit").text
    assert "§ 25 Abs. 4a Satz 3 AufenthG\n§ 232a Abs. 1 Nr. 1 StGB\nArt. 6 Abs. 1 GG" in edit
