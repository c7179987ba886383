"""The court catalogue: every court the portal's case-law summaries name, found by any name."""

from collections import Counter

import pytest

from portal.legal.courts import (
    COURT_LEVELS,
    FEDERAL_STATES,
    Court,
    all_courts,
    find_court,
    get_court,
    match_key,
)

FEDERAL_AND_EUROPEAN = ["BVerfG", "BGH", "BVerwG", "BAG", "BSG", "BFH", "BPatG", "EGMR", "EuGH"]

ALL_24_OLGS = [
    "OLG Karlsruhe", "OLG Stuttgart", "OLG Bamberg", "OLG München", "OLG Nürnberg", "KG",
    "OLG Brandenburg", "OLG Bremen", "OLG Hamburg", "OLG Frankfurt am Main", "OLG Rostock",
    "OLG Braunschweig", "OLG Celle", "OLG Oldenburg", "OLG Düsseldorf", "OLG Hamm", "OLG Köln",
    "OLG Koblenz", "OLG Zweibrücken", "OLG Saarbrücken", "OLG Dresden", "OLG Naumburg",
    "OLG Schleswig", "OLG Jena",
]  # fmt: skip


def levels(level):
    return [court for court in all_courts() if court.level == level]


@pytest.mark.parametrize("short_name", FEDERAL_AND_EUROPEAN)
def test_every_federal_and_european_court_is_listed_without_a_state(short_name):
    court = find_court(short_name)

    assert court is not None
    assert court.level == short_name
    assert court.state is None


def test_all_24_oberlandesgerichte_are_listed():
    found = [find_court(name) for name in ALL_24_OLGS]

    assert all(court is not None and court.level == "OLG" for court in found)
    assert len(set(found)) == 24


def test_every_state_has_exactly_one_ovg_or_vgh_except_brandenburg_which_shares_berlins():
    states = Counter(court.state for court in levels("OVG"))

    assert set(states) == set(FEDERAL_STATES) - {"BB"}
    assert set(states.values()) == {1}


def test_every_state_has_a_landesarbeitsgericht_and_a_landessozialgericht():
    lag_states = {court.state for court in levels("LAG")}
    lsg_states = {court.state for court in levels("LSG")}

    assert len(levels("LAG")) == 18
    assert len(levels("LSG")) == 14
    assert lag_states == set(FEDERAL_STATES) - {"BB"}  # LAG Berlin-Brandenburg sits in Berlin
    assert lsg_states == set(FEDERAL_STATES) - {"BE", "HB"}  # shared courts sit in BB and NI


def test_at_least_forty_first_instance_courts_in_large_cities_are_listed():
    first_instance = [c for c in all_courts() if c.level in {"LG", "AG", "VG", "ArbG", "SG"}]

    assert len(first_instance) >= 40
    for level in ("LG", "AG", "VG", "ArbG", "SG"):
        assert len(levels(level)) >= 10


@pytest.mark.parametrize(
    ("name", "short_name", "level", "state"),
    [
        ("BGH", "BGH", "BGH", None),
        ("Bundesgerichtshof", "BGH", "BGH", None),
        ("OLG München", "OLG München", "OLG", "BY"),
        ("Oberlandesgericht München", "OLG München", "OLG", "BY"),
        ("oberlandesgericht muenchen", "OLG München", "OLG", "BY"),
        ("OLG Munchen", "OLG München", "OLG", "BY"),
        ("  OLG   Frankfurt a.M. ", "OLG Frankfurt am Main", "OLG", "HE"),
        ("VGH Mannheim", "VGH Baden-Württemberg", "OVG", "BW"),
        ("VGH Baden-Württemberg", "VGH Baden-Württemberg", "OVG", "BW"),
        ("Verwaltungsgerichtshof Baden-Württemberg", "VGH Baden-Württemberg", "OVG", "BW"),
        ("Bayerischer VGH", "BayVGH", "OVG", "BY"),
        ("OVG NRW", "OVG Nordrhein-Westfalen", "OVG", "NW"),
        ("OVG Münster", "OVG Nordrhein-Westfalen", "OVG", "NW"),
        ("KG", "KG", "OLG", "BE"),
        ("Kammergericht", "KG", "OLG", "BE"),
        ("Kammergericht Berlin", "KG", "OLG", "BE"),
        ("Amtsgericht Tiergarten", "AG Tiergarten", "AG", "BE"),
        ("LG Frankfurt", "LG Frankfurt am Main", "LG", "HE"),
        ("Landgericht Nürnberg-Fürth", "LG Nürnberg-Fürth", "LG", "BY"),
        ("Sozialgericht Berlin", "SG Berlin", "SG", "BE"),
        ("LSG Celle", "LSG Niedersachsen-Bremen", "LSG", "NI"),
        ("Europäischer Gerichtshof für Menschenrechte", "EGMR", "EGMR", None),
        ("Europäischer Gerichtshof", "EuGH", "EuGH", None),
    ],
)
def test_a_court_is_found_by_any_of_its_names(name, short_name, level, state):
    court = find_court(name)

    assert court is not None
    assert (court.short_name, court.level, court.state) == (short_name, level, state)


@pytest.mark.parametrize("name", ["", "OLG", "Gericht", "Landgericht Atlantis", "Frau Vorsitzende"])
def test_names_that_are_no_court_find_nothing(name):
    assert find_court(name) is None


def test_no_name_points_to_two_courts():
    owners: dict[str, set[str]] = {}
    for court in all_courts():
        for name in court.names:
            owners.setdefault(match_key(name), set()).add(court.slug)

    assert {key: slugs for key, slugs in owners.items() if len(slugs) > 1} == {}


def test_every_court_has_a_known_level_a_known_state_and_a_unique_slug():
    courts = all_courts()

    assert len({court.slug for court in courts}) == len(courts)
    for court in courts:
        assert court.level in COURT_LEVELS
        assert court.state is None or court.state in FEDERAL_STATES
        assert court.name and court.short_name and court.seat
        assert get_court(court.slug) is court


def test_a_court_shows_its_level_and_state_in_german():
    court = find_court("OLG Köln")

    assert isinstance(court, Court)
    assert str(court) == "Oberlandesgericht Köln"
    assert court.level_label == "Oberlandesgericht"
    assert court.state_name == "Nordrhein-Westfalen"
    assert find_court("BGH").state_name is None


def test_levels_are_ordered_by_jurisdiction_from_the_lowest_instance_and_labelled_in_german():
    assert list(COURT_LEVELS)[:4] == ["AG", "LG", "OLG", "BGH"]
    assert COURT_LEVELS["OVG"] == "Oberverwaltungsgericht / Verwaltungsgerichtshof"
    assert list(COURT_LEVELS)[-2:] == ["EGMR", "EuGH"]


def test_there_are_sixteen_federal_states():
    assert len(FEDERAL_STATES) == 16
    assert FEDERAL_STATES["NW"] == "Nordrhein-Westfalen"
    assert FEDERAL_STATES["TH"] == "Thüringen"
