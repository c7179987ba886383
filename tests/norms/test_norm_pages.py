"""The norm pages: cited norms by law book, and the resources citing one norm."""

import json
import re

import pytest

from portal.extensions import db
from portal.resources.transfer import import_lines


def decision(external_id, norms, **fields):
    return {
        "external_id": external_id,
        "type": "case_law",
        "title": f"Entscheidung {external_id}",
        "court": "BGH",
        "norms": norms,
        **fields,
    }


@pytest.fixture
def resources(app, office, member_org, create_org):
    """Two public decisions, one visible only to member_org and one draft of the office."""
    create_org(slug="fbs-sued", name="Fachberatungsstelle Süd")
    records = [
        decision("public-1", ["§ 232a StGB", "§ 397a StPO"]),
        decision("public-2", ["§ 232a StGB", "Art. 4 EMRK"]),
        decision(
            "own-org",
            ["§ 232a StGB", "§ 25 Abs. 4a AufenthG"],
            organisation="fbs-nord",
            visibility="organisation",
        ),
        decision("office-draft", ["§ 13 SGB XIV"], status="draft"),
    ]
    with app.app_context():
        import_lines([json.dumps(record) for record in records])
        db.session.commit()


@pytest.fixture
def login_member(client, auth, create_user, create_org):
    def login(org):
        from portal.orgs.models import Organisation

        with client.application.app_context():
            organisation = db.session.scalar(db.select(Organisation).filter_by(slug=org))
            db.session.expunge(organisation)
        user = create_user(organisation=organisation)
        assert auth.login(user.email).status_code == 302

    return login


def test_the_index_groups_norms_by_law_book_with_visible_counts(client, resources, login_member):
    login_member("fbs-nord")

    page = client.get("/norms/").get_data(as_text=True)

    assert '<h2 id="book-1">StGB</h2>' in page
    assert "§ 232a StGB</a>" in page
    assert "(3 Einträge)" in page  # two public decisions and the organisation's own
    assert "§ 25 Abs. 4a AufenthG" not in page  # labels carry no Absatz
    assert "§ 25 AufenthG</a>" in page
    assert "§ 13 SGB XIV" not in page  # the office's draft
    assert 'aria-current="page">Normen</a>' in page


def test_a_norm_cited_only_by_a_hidden_resource_does_not_show_for_an_outsider(
    client, resources, login_member
):
    login_member("fbs-sued")

    page = client.get("/norms/").get_data(as_text=True)

    assert "§ 25 AufenthG" not in page
    assert "AufenthG" not in page
    assert "(2 Einträge)" in page  # § 232a StGB: only the two public decisions
    assert "(3 Einträge)" not in page


def test_office_staff_see_every_norm(client, resources, login_as):
    login_as("editor")

    page = client.get("/norms/").get_data(as_text=True)

    assert "§ 13 SGB XIV</a>" in page
    assert "(3 Einträge)" in page


def test_the_detail_page_lists_only_visible_citing_resources(client, resources, login_member):
    login_member("fbs-sued")

    page = client.get("/norms/stgb-232a").get_data(as_text=True)

    assert "<h1>§ 232a StGB</h1>" in page
    assert "Entscheidung public-1" in page and "Entscheidung public-2" in page
    assert "Entscheidung own-org" not in page
    assert "2 Einträge zitieren diese Vorschrift" in page


def test_the_owner_sees_its_own_resource_on_the_detail_page(client, resources, login_member):
    login_member("fbs-nord")

    page = client.get("/norms/aufenthg-25").get_data(as_text=True)

    assert "Entscheidung own-org" in page


def test_a_known_norm_without_visible_resources_shows_an_empty_page(
    client, resources, login_member
):
    login_member("fbs-sued")

    response = client.get("/norms/aufenthg-25")

    assert response.status_code == 200
    assert "Keine Einträge, die Sie sehen dürfen" in response.get_data(as_text=True)


@pytest.mark.parametrize("slug", ["gibtsnicht-12", "stgb", "stgb-abc", "xyz"])
def test_an_unknown_slug_answers_404(client, resources, login_member, slug):
    login_member("fbs-nord")

    assert client.get(f"/norms/{slug}").status_code == 404


def test_norm_pages_need_a_login(client, resources):
    assert client.get("/norms/").status_code == 302


@pytest.fixture
def residence(app, office, member_org):
    """Decisions on § 25 AufenthG at several levels, and one hidden from other members."""
    records = [
        decision("whole", ["§ 25 AufenthG"]),
        decision("abs-4a", ["§ 25 Abs. 4a AufenthG"]),
        decision("abs-4a-satz-3", ["§ 25 Abs. 4a Satz 3 AufenthG"]),
        decision("abs-4b", ["§ 25 Abs. 4b AufenthG", "§ 25 Abs. 4a Satz 3 AufenthG"]),
        decision("hidden-4b", ["§ 25 Abs. 4b Satz 1 AufenthG"], visibility="office"),
    ]
    with app.app_context():
        import_lines([json.dumps(record) for record in records])
        db.session.commit()


def test_a_paragraph_page_lists_its_cited_provisions_with_counts_and_includes_them(
    client, residence, login_member
):
    login_member("fbs-nord")

    page = client.get("/norms/aufenthg-25").get_data(as_text=True)

    assert "4 Einträge zitieren diese Vorschrift" in page  # not the office's hidden one
    for name in ("whole", "abs-4a", "abs-4a-satz-3", "abs-4b"):
        assert f"Entscheidung {name}<" in page
    assert "hidden-4b" not in page
    provisions = re.findall(
        r'<li class="depth-(\d)"><a href="/norms/([^"]+)">([^<]+)</a>\s*'
        r'<span class="meta">\((\d+) Eintr(?:ag|äge)\)</span>',
        page,
    )
    assert provisions == [
        ("0", "aufenthg-25-abs-4a", "§ 25 Abs. 4a AufenthG", "3"),
        ("1", "aufenthg-25-abs-4a-satz-3", "§ 25 Abs. 4a Satz 3 AufenthG", "2"),
        ("0", "aufenthg-25-abs-4b", "§ 25 Abs. 4b AufenthG", "1"),
    ]
    index = client.get("/norms/").get_data(as_text=True)
    assert "§ 25 AufenthG</a>" in index and "(4 Einträge)" in index


def test_a_provision_has_its_own_page_with_a_link_up_and_no_sibling(
    client, residence, login_member
):
    login_member("fbs-nord")

    page = client.get("/norms/aufenthg-25-abs-4a").get_data(as_text=True)

    assert "<h1>§ 25 Abs. 4a AufenthG</h1>" in page
    assert '<a href="/norms/aufenthg-25" rel="up">§ 25 AufenthG</a>' in page
    assert "3 Einträge zitieren diese Vorschrift" in page
    assert "Entscheidung abs-4a<" in page and "Entscheidung abs-4a-satz-3<" in page
    assert "Entscheidung whole<" not in page  # the whole section is not within 4a
    satz = client.get("/norms/aufenthg-25-abs-4a-satz-3").get_data(as_text=True)
    assert '<a href="/norms/aufenthg-25-abs-4a" rel="up">§ 25 Abs. 4a AufenthG</a>' in satz
    assert "2 Einträge zitieren diese Vorschrift" in satz
    office_only = client.get("/norms/aufenthg-25-abs-4b-satz-1").get_data(as_text=True)
    assert "Keine Einträge, die Sie sehen dürfen" in office_only


def test_a_citation_links_to_the_page_of_its_provision(client, residence, login_member, app):
    login_member("fbs-nord")
    from portal.resources.models import Resource

    with app.app_context():
        resource_id = db.session.scalar(db.select(Resource.id).filter_by(external_id="abs-4b"))
    page = client.get(f"/resources/{resource_id}").get_data(as_text=True)
    assert 'href="/norms/aufenthg-25-abs-4b"' in page
    assert 'href="/norms/aufenthg-25-abs-4a-satz-3"' in page
