"""Look-ups as people type them: file numbers and ECLIs in any spacing, case and separator."""

import json
import re
from html import unescape
from pathlib import Path

import pytest

from portal.legal.file_numbers import ecli_key, file_number_key, file_number_keys
from tests.search.test_pages import hit_titles

# (court, stored file number, typed variants, decoys sharing parts of it)
FILE_NUMBERS = [
    ("BGH", "3 StR 123/19", ["3StR123/19", "3 str 123.19", "3 STR 123 / 19"],
     ["3 StR 123/18", "1 StR 123/19", "3 StR 124/19"]),
    ("BGH", "VI ZR 123/19", ["VIZR123/19", "vi zr 123/19", "VI ZR 123.19"],
     ["VI ZR 124/19", "IV ZR 123/19", "I ZR 123/19"]),
    ("BayObLG", "4 St RR 181/05", ["4 StRR 181/05", "4StRR181/05", "4 st rr 181/05"],
     ["4 St RR 181/06", "4 St RR 18/05", "4 StR 181/05"]),
    ("BAG", "8 AZR 412/18", ["8AZR412/18", "8 azr 412.18", "8 AZR 412 / 18"],
     ["8 AZR 412/17", "8 AZR 41/18", "6 AZR 412/18"]),
    ("BSG", "B 9 V 3/18 R", ["B9V3/18R", "b 9 v 3/18 r", "B 9 V 3/18R"],
     ["B 9 V 3/17 R", "B 9 V 13/18 R", "B 9 SB 3/18 R"]),
    ("BSG", "B 8 SO 12/17 R", ["B8SO12/17R", "b 8 so 12.17 r"],
     ["B 8 SO 12/18 R", "B 8 SO 2/17 R"]),
    ("BVerwG", "1 C 17.19", ["1 C 17/19", "1C17.19", "1 c 17.19"],
     ["1 C 17.18", "1 C 7.19", "10 C 17.19"]),
    ("BVerwG", "10 C 23.12", ["10C23/12", "10 c 23.12"], ["10 C 23.13", "1 C 23.12"]),
    ("BVerfG", "2 BvR 1234/18", ["2BvR1234/18", "2 bvr 1234/18", "2 BVR 1234.18"],
     ["2 BvR 1234/19", "1 BvR 1234/18", "2 BvR 234/18"]),
    ("LSG Berlin-Brandenburg", "L 8 SO 201/18 B ER",
     ["L8SO201/18BER", "l 8 so 201/18 b er", "L 8 SO 201/18 BER"],
     ["L 8 SO 201/17 B ER", "L 8 SO 202/18 B ER", "L 8 SO 201/18"]),
    ("LSG Nordrhein-Westfalen", "L 7 AS 1234/19 B ER", ["L7AS1234/19BER", "l 7 as 1234/19 b er"],
     ["L 7 AS 1234/18 B ER", "L 7 AS 1234/19"]),
    ("SG Berlin", "S 37 AY 123/19 ER", ["S37AY123/19ER", "s 37 ay 123/19 er"],
     ["S 37 AY 123/18 ER", "S 37 AS 123/19 ER"]),
    ("VG Gelsenkirchen", "12a K 4711/19.A", ["12aK4711/19.A", "12a K 4711/19 A", "12A K 4711.19.a"],
     ["12a K 4711/18.A", "12 K 4711/19.A", "12a K 471/19.A"]),
    ("VG Berlin", "VG 10 K 123.17 A", ["VG10K123.17A", "vg 10 k 123/17 a", "10 K 123.17 A"],
     ["VG 10 K 124.17 A", "VG 10 K 123.18 A", "VG 1 K 123.17 A"]),
    ("VG München", "M 24 K 17.31263", ["M24K17.31263", "m 24 k 17.31263"],
     ["M 24 K 17.31264", "M 4 K 17.31263"]),
    ("BayVGH", "10 ZB 18.31263", ["10ZB18.31263", "10 zb 18.31263"],
     ["10 ZB 18.31264", "10 ZB 17.31263"]),
    ("OVG Berlin-Brandenburg", "OVG 3 B 12.19", ["OVG3B12.19", "3 B 12/19", "ovg 3 b 12.19"],
     ["OVG 3 B 12.18", "OVG 3 S 12.19"]),
    ("LAG Berlin-Brandenburg", "26 Sa 1234/19", ["26Sa1234/19", "26 SA 1234/19"],
     ["26 Sa 1234/18", "6 Sa 1234/19"]),
    ("LG Essen", "3 KLs 401 Js 2210/18", ["3KLs401Js2210/18", "3 kls 401 js 2210/18"],
     ["3 KLs 401 Js 2211/18", "3 KLs 2210/18", "401 Js 2210/17"]),
    ("LG Köln", "110 KLs 12/19", ["110kls12/19", "110 KLS 12.19"], ["110 KLs 13/19", "10 KLs 12/19"]),
    ("OLG Karlsruhe", "2 HEs 55/01-17/01", ["2HEs55/01-17/01", "2 HEs 55/01 - 17/01"],
     ["2 HEs 55/01", "2 HEs 17/01"]),
    ("OLG Hamburg", "1 Ws 12/19", ["1Ws12/19", "1 WS 12.19"], ["1 Ws 12/18", "1 Ws 112/19", "2 Ws 12/19"]),
    ("OLG Hamm", "III-1 RVs 12/19", ["III-1RVs12/19", "III - 1 rvs 12/19"],
     ["III-1 RVs 13/19", "III-2 RVs 12/19"]),
    ("AG Tiergarten", "237 Ds 281 Js 1234/18", ["237Ds281Js1234/18", "237 ds 281 js 1234.18"],
     ["237 Ds 281 Js 1234/17", "237 Ds 1234/18"]),
    ("AG Köln", "523 Ds 94/19", ["523Ds94/19", "523 DS 94/19"], ["523 Ds 95/19", "52 Ds 94/19"]),
    ("AG München", "5 Cs 123 Js 1234/19", ["5Cs123Js1234/19", "5 cs 123 js 1234/19"],
     ["5 Cs 123 Js 1234/18", "5 Cs 124 Js 1234/19"]),
    ("LG Hamburg", "123 Js 456/19", ["123Js456/19", "123 js 456.19"], ["123 Js 457/19", "12 Js 456/19"]),
    ("EuGH", "C-540/16", ["C 540/16", "c-540/16", "C540/16"], ["C-540/15", "T-540/16"]),
]  # fmt: skip


def _ids(cases):
    return [case[1] for case in cases]


@pytest.fixture
def member(login_as):
    return login_as("member")


def _library(create_resource, court, stored, decoys):
    target = create_resource(
        title=f"Gesucht: Zwangsprostitution ({stored})",
        summary="Die Entscheidung, die gesucht wird.",
        court=court,
        file_number=stored,
    )
    for n, decoy in enumerate(decoys):
        create_resource(
            title=f"Zwangsprostitution: ähnliche Sache {n}",
            # A decoy that cites the target in its text competes as a mention.
            summary=f"Im Anschluss an {stored} entschieden." if n == 0 else "Andere Sache.",
            court=court,
            file_number=decoy,
        )
    return target


def test_there_are_at_least_twenty_real_shapes_of_file_numbers():
    assert len(FILE_NUMBERS) >= 20
    assert all(len(typed) >= 2 for _, _, typed, _ in FILE_NUMBERS)


@pytest.mark.parametrize(
    ("court", "stored", "typed", "decoys"), FILE_NUMBERS, ids=_ids(FILE_NUMBERS)
)
def test_a_file_number_typed_in_any_spacing_or_case_finds_its_decision_first(
    client, member, create_resource, court, stored, typed, decoys
):
    target = _library(create_resource, court, stored, decoys)
    compact = typed[0]
    queries = [stored, *typed, f"Zwangsprostitution {compact}", f"{compact} Zwangsprostitution"]
    for q in queries:
        titles = hit_titles(client.get("/search/", query_string={"q": q}))
        assert titles and titles[0] == target.title, (q, titles)
    # The field syntax knows every spelling too.
    titles = hit_titles(client.get("/search/", query_string={"q": f"az:{compact}"}))
    assert titles and titles[0] == target.title


@pytest.mark.parametrize(
    ("court", "stored", "typed", "decoys"), FILE_NUMBERS, ids=_ids(FILE_NUMBERS)
)
def test_every_spelling_has_the_key_of_the_stored_form_and_no_decoy_has_it(
    court, stored, typed, decoys
):
    key = file_number_key(stored)
    for spelling in typed:
        assert key in file_number_keys(spelling) or file_number_key(spelling) in file_number_keys(
            stored
        ), spelling
    for decoy in decoys:
        assert file_number_key(decoy) != key, decoy


def test_a_court_name_typed_before_a_file_number_does_not_hide_it(client, member, create_resource):
    target = _library(create_resource, "BGH", "3 StR 123/19", ["3 StR 123/18"])
    for q in ("BGH 3 StR 123/19", "BGH 3StR123/19", "vom 3 StR 123/19", "Az. 3StR123/19"):
        titles = hit_titles(client.get("/search/", query_string={"q": q}))
        assert titles and titles[0] == target.title, (q, titles)


# Every look-up example of the search help, and the decision it must bring first.
HELP_EXAMPLES = {
    "§ 232a StGB": "bgh",
    "232a StGB": "bgh",
    "StGB 232a": "bgh",
    "§ 25 Abs. 4a AufenthG": "abs-4a",
    "§25 Abs.4a S.3 AufenthG": "abs-4a",
    "3 StR 123/19": "bgh",
    "3StR123/19": "bgh",
    "4 St RR 181/05": "bayoblg",
    "4StRR181/05": "bayoblg",
    "B9V3/18R": "bsg",
    "ECLI:DE:BGH:2019:120319B3STR123.19.0": "bgh",
    'az:"3 StR 123/19"': "bgh",
    'norm:"§ 25 Abs. 4a AufenthG"': "abs-4a",
}


def test_the_look_up_examples_of_the_search_help_find_their_decision_first(
    client, member, create_resource
):
    html = client.get("/search/help").get_data(as_text=True)
    examples = {
        unescape(code)
        for code in re.findall(r"<code>([^<]*\d[^<]*)</code>", html)
        if not code.startswith(("jahr:", "year:"))
    }
    assert examples == set(HELP_EXAMPLES)  # a new example needs its expected decision here
    library = {
        "bgh": _library(create_resource, "BGH", "3 StR 123/19", ["3 StR 123/18", "1 StR 123/19"]),
        "bayoblg": _library(create_resource, "BayObLG", "4 St RR 181/05", ["4 St RR 181/06"]),
        "bsg": _library(create_resource, "BSG", "B 9 V 3/18 R", ["B 9 V 3/17 R"]),
        "abs-4a": create_resource(
            title="Aufenthalt nach Absatz 4a", norms=["§ 25 Abs. 4a Satz 3 AufenthG"]
        ),
    }
    create_resource(title="Aufenthalt nach Absatz 4b", norms=["§ 25 Abs. 4b AufenthG"])
    create_resource(title="Zwangsprostitution nach 232", norms=["§ 232 StGB"])
    with client.application.app_context():
        from portal.extensions import db
        from portal.resources.models import Resource, ResourceNorm

        bgh = db.session.get(Resource, library["bgh"].id)
        bgh.ecli = "ECLI:DE:BGH:2019:120319B3STR123.19.0"
        bgh.norms.append(ResourceNorm(key="StGB § 232a", label="§ 232a StGB", slug="stgb-232a"))
        db.session.commit()
    for example, name in HELP_EXAMPLES.items():
        titles = hit_titles(client.get("/search/", query_string={"q": example}))
        assert titles and titles[0] == library[name].title, (example, titles)


@pytest.mark.parametrize(
    "typed",
    [
        "ECLI:DE:BGH:2019:120319B3STR123.19.0",
        "ecli:de:bgh:2019:120319b3str123.19.0",
        "ECLI: DE: BGH: 2019: 120319B3STR123.19.0",
        "Zwangsprostitution ECLI:DE:BGH:2019:120319B3STR123.19.0",
    ],
)
def test_an_ecli_typed_in_any_case_or_spacing_finds_its_decision_first(
    client, member, create_resource, typed
):
    target = create_resource(
        title="Zwangsprostitution: die gesuchte Entscheidung",
        file_number="3 StR 123/19",
        court="BGH",
        ecli="ECLI:DE:BGH:2019:120319B3STR123.19.0",
    )
    create_resource(
        title="Zwangsprostitution: eine andere Entscheidung",
        file_number="3 StR 123/18",
        court="BGH",
        ecli="ECLI:DE:BGH:2018:120318B3STR123.18.0",
        summary="Bezieht sich auf ECLI:DE:BGH:2019:120319B3STR123.19.0.",
    )
    titles = hit_titles(client.get("/search/", query_string={"q": typed}))
    assert titles and titles[0] == target.title


def test_ecli_keys_ignore_case_and_spaces_and_refuse_other_text():
    assert ecli_key(" ecli : de : bsg : 2019 : 240419ub9v318r0 ") == (
        "ECLI:DE:BSG:2019:240419UB9V318R0"
    )
    assert ecli_key("3 StR 123/19") == ""


# --- norms to the paragraph ------------------------------------------------------------


@pytest.fixture
def residence(create_resource):
    """Decisions citing § 25 AufenthG at different levels, and one hidden from members."""
    return {
        "whole": create_resource(title="Aufenthalt: § 25 insgesamt", norms=["§ 25 AufenthG"]),
        "4a": create_resource(title="Aufenthalt: Absatz 4a", norms=["§ 25 Abs. 4a AufenthG"]),
        "4a-3": create_resource(
            title="Aufenthalt: Absatz 4a Satz 3", norms=["§ 25 Abs. 4a Satz 3 AufenthG"]
        ),
        "4b": create_resource(title="Aufenthalt: Absatz 4b", norms=["§ 25 Abs. 4b AufenthG"]),
        "mention": create_resource(
            title="Aufenthalt: Schulung",
            type="training_material",
            body="Zur Verlängerung nach § 25 Abs. 4a Satz 3 AufenthG nach dem Strafverfahren.",
        ),
        "hidden": create_resource(
            title="Aufenthalt: intern", norms=["§ 25 Abs. 4b Satz 1 AufenthG"], visibility="office"
        ),
        "other": create_resource(title="Aufenthalt: § 25a", norms=["§ 25a Abs. 1 AufenthG"]),
    }


NORM_QUERIES = [
    # query, resources that must come first (carriers), then mentions
    ("§ 25 AufenthG", {"whole", "4a", "4a-3", "4b"}, {"mention"}),
    ("AufenthG 25", {"whole", "4a", "4a-3", "4b"}, {"mention"}),
    ("§ 25 Abs. 4a AufenthG", {"4a", "4a-3"}, {"mention"}),
    ("§25 Abs.4a AufenthG", {"4a", "4a-3"}, {"mention"}),
    ("norm:§ 25 Abs. 4a AufenthG", {"4a", "4a-3"}, {"mention"}),
    ("§ 25 Abs. 4a Satz 3 AufenthG", {"4a-3"}, {"mention"}),
    ("§ 25 Abs. 4b AufenthG", {"4b"}, set()),
    ("AufenthG 25 Absatz 4b", {"4b"}, set()),
]


@pytest.mark.parametrize(("q", "carriers", "mentions"), NORM_QUERIES)
def test_a_norm_search_rolls_up_the_provisions_within_and_nothing_beside(
    client, member, residence, q, carriers, mentions
):
    titles = hit_titles(client.get("/search/", query_string={"q": q}))
    expected = [residence[name].title for name in (*carriers, *mentions)]
    assert sorted(titles) == sorted(expected), q
    assert set(titles[: len(carriers)]) == {residence[name].title for name in carriers}, q


def test_the_norm_facet_shows_the_cited_level_in_german_style_and_counts_what_it_filters(
    client, member, residence, create_resource
):
    create_resource(title="Aufenthalt: Menschenrechte", norms=["Art. 4 EMRK", "Art. 6 Abs. 1 GG"])
    html = client.get("/search/", query_string={"q": "Aufenthalt"}).get_data(as_text=True)
    facet = html[html.index("<legend>Norm</legend>") :]
    facet = facet[: facet.index("</fieldset>")]
    for label in ("§ 25 AufenthG", "§ 25 Abs. 4a AufenthG", "§ 25 Abs. 4a Satz 3 AufenthG",
                  "§ 25 Abs. 4b AufenthG", "Art. 4 EMRK", "Art. 6 Abs. 1 GG"):  # fmt: skip
        assert label in facet, label
    assert "Satz 1" not in facet  # cited only by the hidden resource
    titles = hit_titles(
        client.get("/search/", query_string={"q": "Aufenthalt", "norm": "AufenthG § 25 Abs. 4a"})
    )
    assert sorted(titles) == sorted([residence["4a"].title, residence["4a-3"].title])


def test_the_api_keeps_the_full_citation_and_its_norm_filter_rolls_up(client, member, residence):
    headers = {}  # the session of the logged-in member
    data = client.get(
        "/api/v1/search", query_string={"q": "§ 25 Abs. 4a Satz 3 AufenthG"}, headers=headers
    ).json
    assert data["results"][0]["norms"] == ["§ 25 Abs. 4a Satz 3 AufenthG"]
    labels = {f["label"]: f["count"] for f in data["facets"]["norm"]}
    assert labels == {"§ 25 Abs. 4a Satz 3 AufenthG": 1}
    data = client.get(
        "/api/v1/search", query_string={"norm": "§ 25 Abs. 4a AufenthG"}, headers=headers
    ).json
    assert {hit["id"] for hit in data["results"]} == {residence["4a"].id, residence["4a-3"].id}
    data = client.get(
        "/api/v1/search", query_string={"norm": "§ 25 AufenthG"}, headers=headers
    ).json
    assert data["total"] == 4
    record = client.get(f"/api/v1/resources/{residence['4a-3'].id}", headers=headers).json
    assert record["norms"] == ["§ 25 Abs. 4a Satz 3 AufenthG"]


# --- the look-ups of the relevance benchmark ---------------------------------------------

BENCH = Path(__file__).resolve().parents[2] / "bench" / "relevance"


def test_every_look_up_of_the_benchmark_brings_a_relevant_decision_first(app, office, create_user):
    """bench/relevance/lookups.jsonl over lookup_docs.jsonl: hit at 1 for every look-up."""
    from portal.auth.models import User
    from portal.extensions import db
    from portal.resources.models import Resource
    from portal.resources.transfer import import_lines
    from portal.search.services import search

    member = create_user()
    with app.app_context():
        import_lines((BENCH / "lookup_docs.jsonl").read_text(encoding="utf-8").splitlines())
        db.session.commit()
    lookups = [
        json.loads(line)
        for line in (BENCH / "lookups.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(lookups) >= 40
    assert {item["class"] for item in lookups} == {"file_number", "norm", "ecli"}
    misses = []
    with app.test_request_context():
        external = dict(db.session.execute(db.select(Resource.id, Resource.external_id)).all())
        viewer = db.session.get(User, member.id)
        for item in lookups:
            hits = search(viewer, item["query"], per_page=1).hits
            first = external[hits[0].resource.id] if hits else None
            if item["relevant"].get(first, 0) < 1:
                misses.append((item["query"], first))
    assert misses == []
