"""What a page costs in SQL statements: the same for eight entries as for one, and the
session and the signed-in person read once per request."""

import re

from tests.helpers import counting_statements


def statements_for(app, client, url: str) -> list[str]:
    client.get(url)  # the first request after a change refreshes the search index
    with counting_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


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
