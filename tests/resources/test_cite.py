"""Citing: the German citation line ("Zitieren") and citation lists as RIS and CSV, from a
decision's page and from search results, never with hidden resources."""

from datetime import date

import pytest

from tests.helpers import counting_statements


@pytest.fixture
def decision(create_resource):
    return create_resource(
        title="Zwangsprostitution",
        court="BGH",
        decision_type="beschluss",
        decision_date=date(2019, 3, 12),
        file_number="3 StR 123/19",
        ecli="ECLI:DE:BGH:2019:120319B3STR123.19.0",
        norms=["§ 232a StGB"],
    )


def test_a_decision_page_offers_the_german_citation_line(client, login_as, decision):
    login_as("member")
    html = client.get(f"/resources/{decision.id}").get_data(as_text=True)
    assert '<summary class="button">Zitieren</summary>' in html
    assert (
        'value="BGH, Beschl. v. 12.03.2019 – 3 StR 123/19, ECLI:DE:BGH:2019:120319B3STR123.19.0"'
    ) in html


def test_a_decision_downloads_as_a_ris_record(client, login_as, decision):
    login_as("member")
    response = client.get(f"/resources/{decision.id}/citation.ris")
    text = response.get_data(as_text=True)
    assert response.mimetype == "application/x-research-info-systems"
    assert text.startswith("TY  - CASE\r\n")
    assert "DA  - 2019/03/12\r\n" in text
    assert "KW  - § 232a StGB\r\n" in text
    assert text.endswith("ER  - \r\n")


def test_search_results_download_as_citation_lists_without_hidden_ones(
    client, login_as, create_resource, create_org, decision
):
    other = create_org(slug="fbs-ost", name="Fachberatungsstelle Ost")
    create_resource(
        title="Zwangsprostitution verborgen",
        court="LG Hamburg",
        file_number="1 KLs 1/20",
        organisation=other,
        visibility="organisation",
    )
    login_as("member")
    page = client.get("/search/?q=Zwangsprostitution").get_data(as_text=True)
    assert "/search/citations.csv?q=Zwangsprostitution" in page
    lines = client.get("/search/citations.csv?q=Zwangsprostitution").get_data(as_text=True)
    rows = lines.splitlines()
    assert rows[0].startswith("Zitat,Titel,Gericht")
    assert len(rows) == 2
    assert rows[1].startswith('"BGH, Beschl. v. 12.03.2019')
    ris = client.get("/search/citations.ris?q=Zwangsprostitution").get_data(as_text=True)
    assert ris.count("TY  - ") == 1
    assert "1 KLs 1/20" not in ris + lines


def test_a_citation_list_reads_its_resources_norms_in_one_go_whatever_their_number(
    app, client, login_as, create_resource
):
    """Search hits come without their norms; the list must not fetch them hit by hit."""

    def export() -> tuple[str, int]:
        with counting_statements(app) as statements:
            text = client.get("/search/citations.csv?q=Lohnwucher").get_data(as_text=True)
        return text, len(statements)

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            create_resource(
                title=f"Lohnwucher {n}",
                court="BGH",
                file_number=f"3 StR {n}/19",
                norms=["§ 232b StGB", "§ 291 StGB"],
            )

    login_as("member")
    add(3, 1)
    # The first request after a change reads more (session, new index snapshot's labels).
    export()
    few, few_statements = export()
    add(9, 4)
    export()
    many, many_statements = export()
    assert few.count("§ 232b StGB; § 291 StGB") == 3
    assert many.count("§ 232b StGB; § 291 StGB") == 12
    assert many_statements == few_statements
