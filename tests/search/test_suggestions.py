""" "Did you mean": words as people write them, never another legal term than typed."""

import pytest

from tests.search.test_access import search_as


@pytest.fixture
def library(create_resource, office):
    create_resource(
        title="Urteil des EGMR zur Zwangsprostitution",
        summary="Der EGMR stellte eine Verletzung von Art. 4 EMRK fest.",
        type="case_law",
    )
    create_resource(
        title="Schulung Arbeitsausbeutung",
        summary="Sexuelle Ausbeutung und sexuelle Gewalt; die EMRK schützt Betroffene.",
        type="training_material",
    )
    # Hidden from members: writes the words otherwise, many times.
    for _ in range(3):
        create_resource(title="ZWANGSPROSTITUTION intern", visibility="office", organisation=office)


def test_a_suggestion_is_written_as_the_visible_resources_write_it(app, library, create_user):
    member = create_user()
    assert search_as(app, member, "zwangsprostituton")["suggestion"] == "Zwangsprostitution"
    assert search_as(app, member, "Zwangsprostituton")["suggestion"] == "Zwangsprostitution"
    assert search_as(app, member, "sexuele")["suggestion"] == "sexuelle"
    assert search_as(app, member, "Sexuele")["suggestion"] == "Sexuelle"


def test_the_page_asks_meinten_sie_with_the_noun_capitalised(client, login_as, library):
    login_as("member")
    html = client.get("/search/?q=zwangsprostituton").get_data(as_text=True)
    assert "Meinten Sie" in html and "<strong>Zwangsprostitution</strong>" in html


@pytest.mark.parametrize(
    ("q", "filters"),
    [
        ("EGMR", {"type": "training_material"}),  # the EGMR resource is filtered out
        ("EGMR Arbeitsausbeutung", {}),  # no resource has both: any word
        ("egmr Quokkawort", {}),
        ("EGMR", {"year": "1990"}),
    ],
)
def test_a_legal_term_that_exists_is_never_replaced_by_another(
    app, library, create_user, q, filters
):
    member = create_user()
    suggestion = search_as(app, member, q, filters=filters)["suggestion"] or ""
    assert "emrk" not in suggestion.lower(), (q, suggestion)


def test_a_court_or_law_the_viewer_cannot_find_is_not_turned_into_another(
    app, create_resource, create_user, office
):
    create_resource(title="Zur EMRK", summary="Die EMRK gilt.")
    create_resource(title="EGMR intern", visibility="office", organisation=office)
    member = create_user()
    for q in ("EGMR", "egmr", "StPO"):
        assert search_as(app, member, q)["suggestion"] is None, q
    # An ordinary typo is still corrected.
    assert search_as(app, member, "EMRKK")["suggestion"] == "EMRK"
