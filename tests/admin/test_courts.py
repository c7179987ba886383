"""Courts an import created on the fly are listed for editors, who correct and confirm them."""

from portal.extensions import db
from portal.resources.models import Court


def unknown_court(app, name="Amtsgericht Entenhausen"):
    with app.app_context():
        court = Court(slug="ag-entenhausen", name=name, needs_curation=True)
        db.session.add(court)
        db.session.commit()
        return court.id


def test_editors_see_the_courts_to_check_and_confirm_them(app, client, login_as):
    court_id = unknown_court(app)
    login_as("editor")
    page = client.get("/admin/courts").get_data(as_text=True)
    assert "Amtsgericht Entenhausen" in page
    response = client.post(
        f"/admin/courts/{court_id}",
        data={
            "name": "Amtsgericht Entenhausen",
            "short_name": "AG Entenhausen",
            "level": "AG",
            "federal_state": "NI",
            "aliases": "AG Enten, Entenhausen AG",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        court = db.session.get(Court, court_id)
        assert (court.level, court.federal_state, court.needs_curation) == ("AG", "NI", False)
        assert court.aliases == ["AG Enten", "Entenhausen AG"]
    assert "Alle Gerichte sind geprüft." in client.get("/admin/courts").get_data(as_text=True)


def test_an_unknown_level_is_refused_and_the_input_kept(app, client, login_as):
    court_id = unknown_court(app)
    login_as("editor")
    response = client.post(
        f"/admin/courts/{court_id}", data={"name": "AG Neu benannt", "level": "XYZ"}
    )
    assert response.status_code == 200
    assert 'value="AG Neu benannt"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Court, court_id).needs_curation is True


def test_members_cannot_curate_courts(app, client, login_as):
    court_id = unknown_court(app)
    login_as("member")
    assert client.get("/admin/courts").status_code == 403
    assert client.post(f"/admin/courts/{court_id}", data={"name": "X"}).status_code == 403
