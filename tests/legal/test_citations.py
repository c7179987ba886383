"""Norm citations: how the portal reads "§ 232a StGB" in decisions and in the search box."""

import json

import pytest

from portal.legal.citations import Norm, canonical_book, extract_norms, parse_norm


def keys(norms):
    return [norm.key for norm in norms]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("§ 232a Abs. 1 Nr. 1 StGB", ["StGB § 232a Abs. 1 Nr. 1"]),
        ("§§ 232, 233 StGB", ["StGB § 232", "StGB § 233"]),
        ("§§ 232a, 232b StGB", ["StGB § 232a", "StGB § 232b"]),
        ("§ 25 Abs. 4a AufenthG", ["AufenthG § 25 Abs. 4a"]),
        ("§25 Abs.4a AufenthG", ["AufenthG § 25 Abs. 4a"]),
        ("Art. 4 EMRK", ["EMRK Art. 4"]),
        ("Art. 4 Abs. 2 EMRK", ["EMRK Art. 4 Abs. 2"]),
        ("Art. 1 Abs. 1 GG", ["GG Art. 1 Abs. 1"]),
        ("Art. 79 AEUV", ["AEUV Art. 79"]),
        ("§ 1 OEG", ["OEG § 1"]),
        ("§ 13 SGB XIV", ["SGB XIV § 13"]),
        ("§ 153a StPO", ["StPO § 153a"]),
        ("§ 1 MiLoG", ["MiLoG § 1"]),
        ("§ 2 ProstSchG", ["ProstSchG § 2"]),
        ("§ 1 SchwarzArbG", ["SchwarzArbG § 1"]),
        ("§ 2 ArbGG", ["ArbGG § 2"]),
        ("§ 3 AsylG", ["AsylG § 3"]),
        ("§ 823 Abs. 2 BGB", ["BGB § 823 Abs. 2"]),
        ("§ 1 des Opferentschädigungsgesetzes", ["OEG § 1"]),
        ("§ 25 Abs. 4a Satz 1 des Aufenthaltsgesetzes", ["AufenthG § 25 Abs. 4a Satz 1"]),
        ("§ 5 Fünften Buchs Sozialgesetzbuch", ["SGB V § 5"]),
    ],
)
def test_a_citation_in_running_text_becomes_its_norms(text, expected):
    assert keys(extract_norms(f"Das Gericht stützt sich auf {text}.")) == expected


def test_norms_come_in_order_of_first_appearance_without_duplicates():
    text = (
        "Die Angeklagte wurde nach § 232a Abs. 1 StGB verurteilt; die Geschädigte erhielt "
        "eine Aufenthaltserlaubnis nach § 25 Abs. 4a AufenthG. Zu § 232a StGB vgl. auch "
        "Art. 4 EMRK und § 233 Abs. 1 StGB i.V.m. § 1 OEG."
    )

    assert keys(extract_norms(text)) == [
        "StGB § 232a Abs. 1",
        "AufenthG § 25 Abs. 4a",
        "StGB § 232a",
        "EMRK Art. 4",
        "StGB § 233 Abs. 1",
        "OEG § 1",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("§ 232a Abs. 1 i.V.m. § 232 Abs. 1 StGB", ["StGB § 232a Abs. 1", "StGB § 232 Abs. 1"]),
        ("§ 232a Abs. 1 i. V. m. § 232 Abs. 1 StGB", ["StGB § 232a Abs. 1", "StGB § 232 Abs. 1"]),
        ("§ 615 Satz 1 iVm. § 611 Abs. 1 BGB", ["BGB § 615 Satz 1", "BGB § 611 Abs. 1"]),
        ("§ 233 Abs. 1 StGB i.V.m. § 25 AufenthG", ["StGB § 233 Abs. 1", "AufenthG § 25"]),
    ],
)
def test_a_section_before_i_v_m_takes_the_book_of_the_section_after_it(text, expected):
    """The library drops the first section here; the module recovers it."""
    assert keys(extract_norms(text)) == expected


def test_text_without_citations_yields_no_norms():
    assert extract_norms("Die Beratungsstelle begleitete die Frau zur Polizei.") == []


@pytest.mark.parametrize(
    "typed",
    [
        "§ 232a StGB",
        "§232a StGB",
        "232a StGB",
        "232a stgb",
        "StGB 232a",
        "stgb § 232a",
        "  §  232a   StGB. ",
    ],
)
def test_a_section_typed_into_the_search_box_is_understood(typed):
    assert parse_norm(typed) == Norm("StGB", "232a")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("§25 Abs.4a AufenthG", Norm("AufenthG", "25", "4a")),
        ("§ 25 aufenthg", Norm("AufenthG", "25")),
        ("Art. 4 EMRK", Norm("EMRK", "4")),
        ("art 4 emrk", Norm("EMRK", "4")),
        ("Artikel 4 EMRK", Norm("EMRK", "4")),
        ("EMRK 4", Norm("EMRK", "4")),
        ("4 EMRK", Norm("EMRK", "4")),
        ("gg 1", Norm("GG", "1")),
        ("sgb xiv 71", Norm("SGB XIV", "71")),
        ("§ 13 SGB 14", Norm("SGB XIV", "13")),
        ("OEG 1", Norm("OEG", "1")),
    ],
)
def test_other_typed_citations_are_understood(typed, expected):
    assert parse_norm(typed) == expected


@pytest.mark.parametrize("typed", ["", "§ 232a", "StGB", "Menschenhandel", "§§ 232, 233 StGB"])
def test_input_that_is_not_exactly_one_norm_parses_to_none(typed):
    assert parse_norm(typed) is None


@pytest.mark.parametrize(
    ("norm", "key", "label", "slug"),
    [
        (Norm("StGB", "232a"), "StGB § 232a", "§ 232a StGB", "stgb-232a"),
        (Norm("AufenthG", "25"), "AufenthG § 25", "§ 25 AufenthG", "aufenthg-25"),
        (Norm("EMRK", "4"), "EMRK Art. 4", "Art. 4 EMRK", "emrk-4"),
        (Norm("GG", "3"), "GG Art. 3", "Art. 3 GG", "gg-3"),
        (Norm("SGB XIV", "71"), "SGB XIV § 71", "§ 71 SGB XIV", "sgb-xiv-71"),
        (Norm("AÜG", "1"), "AÜG § 1", "§ 1 AÜG", "aueg-1"),
    ],
)
def test_a_norm_has_a_key_a_german_label_and_a_slug(norm, key, label, slug):
    assert (norm.key, norm.label, norm.slug, str(norm)) == (key, label, slug, label)
    assert Norm.from_slug(slug) == norm


SUB_PROVISIONS = [
    # typed, key, German label, slug
    ("§ 25 Abs. 4a Satz 3 AufenthG", "AufenthG § 25 Abs. 4a Satz 3",
     "§ 25 Abs. 4a Satz 3 AufenthG", "aufenthg-25-abs-4a-satz-3"),
    ("§25 Abs.4a S. 3 AufenthG", "AufenthG § 25 Abs. 4a Satz 3",
     "§ 25 Abs. 4a Satz 3 AufenthG", "aufenthg-25-abs-4a-satz-3"),
    ("AufenthG 25 Absatz 4b", "AufenthG § 25 Abs. 4b", "§ 25 Abs. 4b AufenthG", "aufenthg-25-abs-4b"),
    ("§ 25 Abs 4b AufenthG", "AufenthG § 25 Abs. 4b", "§ 25 Abs. 4b AufenthG", "aufenthg-25-abs-4b"),
    ("§ 232a Abs. 1 Nr. 1 StGB", "StGB § 232a Abs. 1 Nr. 1", "§ 232a Abs. 1 Nr. 1 StGB",
     "stgb-232a-abs-1-nr-1"),
    ("§ 232a abs. 1 nr. 1 stgb", "StGB § 232a Abs. 1 Nr. 1", "§ 232a Abs. 1 Nr. 1 StGB",
     "stgb-232a-abs-1-nr-1"),
    ("§ 232a I Nr. 1 StGB", "StGB § 232a Abs. 1 Nr. 1", "§ 232a Abs. 1 Nr. 1 StGB",
     "stgb-232a-abs-1-nr-1"),
    ("§ 232 Abs. 1 Satz 1 Nr. 1 Buchst. b StGB", "StGB § 232 Abs. 1 Satz 1 Nr. 1 Buchst. b",
     "§ 232 Abs. 1 Satz 1 Nr. 1 Buchst. b StGB", "stgb-232-abs-1-satz-1-nr-1-lit-b"),
    ("Art. 6 Abs. 1 GG", "GG Art. 6 Abs. 1", "Art. 6 Abs. 1 GG", "gg-6-abs-1"),
    ("art 6 abs 1 gg", "GG Art. 6 Abs. 1", "Art. 6 Abs. 1 GG", "gg-6-abs-1"),
    ("Art. 4 Abs. 2 EMRK", "EMRK Art. 4 Abs. 2", "Art. 4 Abs. 2 EMRK", "emrk-4-abs-2"),
    ("Art. 79 Abs. 2 lit. c AEUV", "AEUV Art. 79 Abs. 2 lit. c", "Art. 79 Abs. 2 lit. c AEUV",
     "aeuv-79-abs-2-lit-c"),
    ("§ 7 Abs. 1 Satz 2 Nr. 2 SGB II", "SGB II § 7 Abs. 1 Satz 2 Nr. 2",
     "§ 7 Abs. 1 Satz 2 Nr. 2 SGB II", "sgb-ii-7-abs-1-satz-2-nr-2"),
    ("§ 615 Satz 1 BGB", "BGB § 615 Satz 1", "§ 615 Satz 1 BGB", "bgb-615-satz-1"),
    ("§ 1 Abs. 1 Satz 1 OEG", "OEG § 1 Abs. 1 Satz 1", "§ 1 Abs. 1 Satz 1 OEG", "oeg-1-abs-1-satz-1"),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "key", "label", "slug"), SUB_PROVISIONS)
def test_absatz_satz_nummer_and_buchstabe_are_kept_in_german_citation_style(
    typed, key, label, slug
):
    norm = parse_norm(typed)
    assert (norm.key, norm.label, norm.slug) == (key, label, slug)
    assert Norm.from_slug(slug) == norm
    assert Norm.from_key(key) == norm
    assert extract_norms(f"Das Gericht stützt sich auf {label}.") == [norm]


def test_a_sub_provision_knows_the_provisions_above_it():
    norm = parse_norm("§ 25 Abs. 4a Satz 3 AufenthG")
    assert [n.label for n in norm.ancestors] == ["§ 25 AufenthG", "§ 25 Abs. 4a AufenthG"]
    assert norm.parent == parse_norm("§ 25 Abs. 4a AufenthG")
    assert norm.section_norm == Norm("AufenthG", "25")
    assert parse_norm("§ 25 AufenthG").contains(norm)
    assert parse_norm("§ 25 Abs. 4a AufenthG").contains(norm)
    assert not parse_norm("§ 25 Abs. 4b AufenthG").contains(norm)
    assert not norm.contains(norm.parent)
    assert Norm("AufenthG", "25").parent is None


def test_several_sub_provisions_of_one_section_in_one_citation_stay_apart():
    text = "nach §§ 25 Abs. 4a, 25 Abs. 4b AufenthG und § 25 Abs. 4a Satz 3 Halbsatz 2 AufenthG"
    assert keys(extract_norms(text)) == [
        "AufenthG § 25 Abs. 4a",
        "AufenthG § 25 Abs. 4b",
        "AufenthG § 25 Abs. 4a Satz 3",
    ]


@pytest.mark.parametrize("key", ["", "StGB", "StGB § 232a Halbsatz 2", "§ 232a StGB"])
def test_a_key_that_names_no_norm_reads_back_as_none(key):
    assert Norm.from_key(key) is None


@pytest.mark.parametrize("slug", ["", "stgb", "stgb-", "nosuchlaw-1", "stgb-§1", "-232a"])
def test_a_slug_that_names_no_norm_is_rejected(slug):
    with pytest.raises(ValueError, match="not a norm slug"):
        Norm.from_slug(slug)


def test_norms_are_frozen_and_hashable():
    norm = Norm("StGB", "232a")

    with pytest.raises(AttributeError):
        norm.book = "BGB"
    assert {norm, Norm("StGB", "232a")} == {norm}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("stgb", "StGB"),
        ("STGB", "StGB"),
        ("aufenthg", "AufenthG"),
        ("AufenthG 2004", "AufenthG"),
        ("oeg", "OEG"),
        ("sgb xiv", "SGB XIV"),
        ("SGB  14", "SGB XIV"),
        ("bgb", "BGB"),
        ("asylg", "AsylG"),
        ("stpo", "StPO"),
        ("arbgg", "ArbGG"),
        ("milog", "MiLoG"),
        ("schwarzarbg", "SchwarzArbG"),
        ("prostschg", "ProstSchG"),
        ("gg", "GG"),
        ("emrk", "EMRK"),
        ("aeuv", "AEUV"),
        ("Strafgesetzbuches", "StGB"),
        ("Vierzehnten Buches Sozialgesetzbuch", "SGB XIV"),
        ("vwgo", "VwGO"),  # from the library's own list of book codes
        ("EU-Richtlinie", None),
        ("Menschenhandel", None),
    ],
)
def test_book_names_are_canonicalised(name, expected):
    assert canonical_book(name) == expected


def test_every_section_heading_of_the_bgb_parses_to_its_own_norm(shared_corpus):
    """Real headings such as "§ 573b BGB" (2,377 of them) round-trip through both entry points."""
    failures = []
    with shared_corpus("bgb_sections.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            heading = json.loads(line)["title"].split(" – ")[0]
            section = heading.removeprefix("§ ").removesuffix(" BGB")
            expected = Norm("BGB", section)
            if parse_norm(heading) != expected or extract_norms(heading) != [expected]:
                failures.append(heading)

    assert failures == []


def test_norms_found_in_real_decisions_with_a_known_book_round_trip_through_their_slug(
    shared_corpus,
):
    found = 0
    with shared_corpus("ler_decisions.jsonl").open(encoding="utf-8") as lines:
        for _, line in zip(range(500), lines, strict=False):
            for norm in extract_norms(json.loads(line)["text"]):
                if canonical_book(norm.book):
                    found += 1
                    assert Norm.from_slug(norm.slug) == norm

    assert found > 300
