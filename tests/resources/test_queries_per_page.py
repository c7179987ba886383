"""What a page costs in SQL statements: the same for eight entries as for one, and the
session and the signed-in person read once per request."""

import re

from tests.helpers import counting_statements

COURTS = ["BGH", "BAG", "BSG", "LG Berlin", "OLG München", "VG Berlin", "LAG Hamm", "SG Hamburg"]


def statements_for(app, client, url: str) -> list[str]:
    client.get(url)  # the first request after a change refreshes the search index
    with counting_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


def test_a_list_needs_as_many_statements_for_eight_courts_as_for_one(
    app, client, login_as, create_resource
):
    login_as()
    create_resource(title="Erste Entscheidung", court=COURTS[0])
    few = statements_for(app, client, "/resources/case-law")
    for n, court in enumerate(COURTS[1:]):
        create_resource(title=f"Weitere Entscheidung {n}", court=court)

    many = statements_for(app, client, "/resources/case-law")

    assert len(many) == len(few)
    page = client.get("/resources/case-law").text
    assert all(court in page for court in ("BGH", "BAG", "LG Berlin", "SG Hamburg"))


def test_the_start_page_and_ones_own_list_need_no_statement_per_entry(
    app, client, login_as, create_resource, member_org
):
    user = login_as()
    create_resource(title="Eigener Entwurf 0", court=COURTS[0], status="draft", author_id=user.id)
    few = [len(statements_for(app, client, url)) for url in ("/", "/resources/mine")]
    for n, court in enumerate(COURTS[1:]):
        create_resource(
            title=f"Eigener Entwurf {n + 1}", court=court, status="draft", author_id=user.id
        )

    many = [len(statements_for(app, client, url)) for url in ("/", "/resources/mine")]

    assert many == few
    assert "Eigener Entwurf 7" in client.get("/resources/mine").text


def test_a_resource_page_names_the_courts_of_its_similar_entries_in_one_statement(
    app, client, login_as, create_resource
):
    login_as()
    text = "Der Quokkafall und der Wombatfall betreffen Lohnwucher auf der Baustelle."
    entry = create_resource(title="Quokkafall Wombatfall", body=text, court=COURTS[0])
    create_resource(title="Quokkafall Wombatfall 1", body=text, court=COURTS[1])
    url = f"/resources/{entry.id}"
    few = statements_for(app, client, url)
    for n, court in enumerate(COURTS[2:6]):
        create_resource(title=f"Quokkafall Wombatfall {n + 2}", body=text, court=court)

    many = statements_for(app, client, url)

    assert len(many) == len(few)
    similar = re.search(
        r'<section class="similar-resources".*?</section>', client.get(url).text, re.S
    )
    assert similar.group(0).count("<li>") == 5
    assert all(court in similar.group(0) for court in ("BAG", "BSG", "OLG München", "VG Berlin"))


def test_a_request_reads_the_session_and_the_person_with_the_organisation_once(
    app, client, login_as, member_org
):
    login_as()

    statements = statements_for(app, client, "/privacy")

    assert sum(bool(re.search(r"\bFROM server_session\b", s)) for s in statements) == 1
    users = [s for s in statements if re.search(r'\bFROM "?user"?\s', s)]
    assert len(users) == 1 and "JOIN organisation" in users[0]
    assert not [s for s in statements if re.search(r"\bFROM organisation\b", s)]
    assert member_org.name in client.get("/privacy").text  # the header names it
