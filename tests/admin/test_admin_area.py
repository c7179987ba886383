"""The admin area: one guard; users, invitations and organisations."""

import pytest

from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import Organisation
from tests.helpers import PASSWORD

ADMIN_ONLY = ["/admin/users", "/admin/organisations", "/admin/organisations/new"]
EDITOR_PAGES = ["/admin/invitations", "/admin/invitations/new"]


@pytest.mark.parametrize("path", ADMIN_ONLY + EDITOR_PAGES)
def test_members_are_refused_everywhere_in_the_admin_area(client, login_as, path):
    login_as("member")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_ONLY)
def test_editors_are_refused_user_and_organisation_management(client, login_as, path):
    login_as("editor")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", EDITOR_PAGES)
def test_editors_may_manage_invitations(client, login_as, path):
    login_as("editor")
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ADMIN_ONLY + EDITOR_PAGES)
def test_admins_reach_every_admin_page(client, login_as, path):
    login_as("admin")
    assert client.get(path).status_code == 200


def test_the_user_list_filters_by_name_role_and_organisation(client, login_as, create_user):
    create_user(name="Anna Aufenthalt", role="member")
    create_user(name="Bernd Beratung", role="member")
    login_as("admin")
    page = client.get("/admin/users?q=anna").get_data(as_text=True)
    assert "Anna Aufenthalt" in page and "Bernd Beratung" not in page
    page = client.get("/admin/users?role=admin").get_data(as_text=True)
    assert "Anna Aufenthalt" not in page
    page = client.get("/admin/users?organisation=fbs-nord").get_data(as_text=True)
    assert "Anna Aufenthalt" in page and "Bernd Beratung" in page


def test_deactivating_a_user_ends_their_sessions_at_once(app, client, login_as, create_user):
    victim = create_user()
    device = app.test_client()
    device.post("/auth/login", data={"email": victim.email, "password": PASSWORD})
    assert device.get("/").status_code == 200
    login_as("admin")
    assert client.post(f"/admin/users/{victim.id}/active", data={"active": "0"}).status_code == 302
    assert device.get("/").status_code == 302
    assert (
        device.post("/auth/login", data={"email": victim.email, "password": PASSWORD}).status_code
        == 200
    )
    client.post(f"/admin/users/{victim.id}/active", data={"active": "1"})
    assert (
        device.post("/auth/login", data={"email": victim.email, "password": PASSWORD}).status_code
        == 302
    )


def test_changing_role_and_organisation_applies_on_the_next_request(
    app, client, login_as, create_user, create_org
):
    target = create_user()
    other_org = create_org(name="Andere Stelle", kind="office")
    device = app.test_client()
    device.post("/auth/login", data={"email": target.email, "password": PASSWORD})
    login_as("admin")
    response = client.post(
        f"/admin/users/{target.id}", data={"organisation": other_org.id, "role": "editor"}
    )
    assert response.status_code == 302
    assert device.get("/").status_code == 302
    with app.app_context():
        user = db.session.get(User, target.id)
        assert (user.role, user.organisation_id) == ("editor", other_org.id)


def test_an_admin_cannot_deactivate_themselves(client, login_as):
    admin = login_as("admin")
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert client.get("/").status_code == 200


def test_an_organisation_is_created_and_appears_in_the_directory(app, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/organisations/new",
        data={
            "name": "Beratungsstelle Süd",
            "slug": "fbs-sued",
            "kind": "member",
            "city": "Freiburg",
            "federal_state": "BW",
            "focus_areas": "Arbeitsausbeutung, Pflege",
            "active": "y",
        },
    )
    assert response.status_code == 302
    page = client.get("/organisations/").get_data(as_text=True)
    assert "Beratungsstelle Süd" in page
    detail = client.get("/organisations/fbs-sued").get_data(as_text=True)
    assert "Freiburg" in detail and "Baden-Württemberg" in detail and "Pflege" in detail


def test_a_bad_organisation_form_keeps_the_input_and_explains(client, login_as, member_org):
    login_as("admin")
    response = client.post(
        "/admin/organisations/new",
        data={
            "name": "Doppelt",
            "slug": member_org.slug,
            "kind": "member",
            "city": "Kiel",
            "website": "kein-link",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Doppelt"' in page and 'value="Kiel"' in page
    assert "https://" in page  # the website message explains what is expected


def test_inactive_organisations_are_hidden_from_the_directory(client, login_as, create_org):
    create_org(name="Geschlossene Stelle", slug="closed", active=False)
    login_as("member")
    assert "Geschlossene Stelle" not in client.get("/organisations/").get_data(as_text=True)
    assert client.get("/organisations/closed").status_code == 404


def test_organisation_changes_are_saved(app, client, login_as, member_org):
    login_as("admin")
    client.post(
        f"/admin/organisations/{member_org.id}",
        data={"name": "FBS Nord neu", "slug": member_org.slug, "kind": "member", "active": "y"},
    )
    with app.app_context():
        assert db.session.get(Organisation, member_org.id).name == "FBS Nord neu"
