"""The anonymisation check: what it flags in a case-law summary before it is published."""

import json
from collections import Counter

import pytest

from portal.legal.anonymisation import KINDS, Finding, scan


def flagged(text):
    return [(finding.kind, finding.match) for finding in scan({"summary": text})]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Die Geschädigte Maria K. sagte aus, sie sei bedroht worden.", "Maria K."),
        ("Die Zeugin Ana Popescu erklärte, sie habe keinen Pass gehabt.", "Ana Popescu"),
        ("Der Zeuge Ion Popescu wurde vernommen.", "Ion Popescu"),
        ("Die Angeklagte Elena Ionescu räumte die Tat ein.", "Elena Ionescu"),
        ("Die Betroffene Blessing O. wandte sich an die Beratungsstelle.", "Blessing O."),
        ("Nach Angaben von Frau Popescu war die Wohnung verschlossen.", "Popescu"),
        ("Herrn Müller gehörte das Bordell.", "Müller"),
        (
            "Die Nebenklägerin, vertreten durch Frau Dr. Anna-Lena Schulz, beantragte",
            "Anna-Lena Schulz",
        ),
    ],
)
def test_names_next_to_role_words_are_flagged(text, name):
    assert flagged(text) == [("person_name", name)]


@pytest.mark.parametrize(
    "text",
    [
        "Die Geschädigte sagte in der Hauptverhandlung aus.",
        "Die Geschädigte A. sagte aus; die Zeugin B. bestätigte dies.",
        "Frau K. B. und Herr S. wurden als Zeugen gehört.",
        "Frau Vorsitzende Richterin am Landgericht eröffnete die Sitzung.",
        "Herr Rechtsanwalt F. stellte einen Beweisantrag.",
        "Die Zeugin Angaben zum Tatort nicht machen konnte, blieb offen.",
        "Der Angeklagte Die Revision wurde verworfen.",
        "Die Geschädigte Landgericht Berlin, Urteil vom 1. 2. 2019.",
        "Frau Dr. E. erstattete das Gutachten.",
    ],
)
def test_initials_roles_and_ordinary_prose_are_not_flagged_as_names(text):
    assert [kind for kind, _ in flagged(text)] == []


def test_a_lone_surname_after_a_role_word_other_than_frau_or_herr_is_not_recognised():
    """A known gap: it looks exactly like "die Zeugin Angaben ..."."""
    assert flagged("Die Zeugin Popescu sagte aus.") == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Die Geschädigte (geb. 12.03.1998) reiste 2016 ein.", "12.03.1998"),
        ("Sie ist geboren am 12. März 1998 in Constanța.", "12. März 1998"),
        ("Maria K., *12.03.1998, ledig", "12.03.1998"),
        ("A. (* 2.3.98) gab an", "2.3.98"),
        ("Geburtsdatum: 1998-03-12", "1998-03-12"),
    ],
)
def test_dates_of_birth_are_flagged(text, date):
    assert ("date_of_birth", date) in flagged(text)


def test_other_dates_are_not_dates_of_birth():
    assert flagged("Das Landgericht verurteilte sie am 12.03.2019 wegen § 232a StGB.") == []


@pytest.mark.parametrize(
    "number",
    [
        "030 1234567",
        "030/1234567",
        "(030) 123 45 67",
        "0176 12345678",
        "01761234567",
        "+49 30 1234567",
        "+49 (0)30 1234567",
        "0049 176 12345678",
        "+40 721 234 567",
    ],
)
def test_phone_numbers_are_flagged(number):
    assert flagged(f"Sie war unter {number} erreichbar.") == [("phone", number)]


@pytest.mark.parametrize(
    "text",
    [
        "BGBl. I S. 1234, Rn. 12",
        "BT-Drucks. 18/4613 S. 9",
        "Die Geldstrafe betrug 1.234,56 €.",
        "Marke UM 001 697 044 und EM 002 609 949",
        "BMF-Schreiben IV C 1 - S 1980 - 1 / 08/10019",
        "Urteil vom 12.03.2019 - 3 StR 123/19",
    ],
)
def test_numbers_in_legal_prose_are_not_phone_numbers(text):
    assert flagged(text) == []


def test_email_addresses_are_flagged():
    assert flagged("Kontakt: maria.k+beratung@example.org.") == [
        ("email", "maria.k+beratung@example.org")
    ]


@pytest.mark.parametrize(
    "address",
    ["Hauptstraße 12", "Hauptstr. 7", "Am Markt 3a", "Berliner Str. 5", "Karl-Marx-Allee 3a"],
)
def test_street_addresses_are_flagged(address):
    assert flagged(f"Sie wohnte in der Wohnung {address}, 10115 Berlin.") == [
        ("street_address", address)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Im Jahr 2019 wurde das Verfahren eingestellt.",
        "Im Januar 2013 schlossen die Parteien einen Vergleich.",
        "In den Lohngruppen 6 - 12 gilt der Tarif.",
        "Am Stichtag 30. Juni 1990 galt das alte Recht.",
        "Er fuhr auf der Bundesstraße 3 in Richtung Norden.",
        "Im Anspruch 1 nach Hilfsantrag II wurden Merkmale ergänzt.",
        "Ihr Arbeitsplatz 2 lag im Lager.",
    ],
)
def test_prose_that_resembles_an_address_is_not_flagged(text):
    assert flagged(text) == []


@pytest.mark.parametrize(
    "iban",
    ["DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "RO49 AAAA 1B31 0075 9384 0000"],
)
def test_ibans_with_a_valid_check_digit_are_flagged(iban):
    assert flagged(f"Der Lohn ging auf das Konto {iban} der Angeklagten.") == [("iban", iban)]


def test_an_iban_with_a_wrong_check_digit_is_neither_an_iban_nor_a_phone_number():
    assert flagged("Konto DE89 3704 0044 0532 0130 01 der Angeklagten") == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Ihr Reisepass Nr. C01X00T47 wurde einbehalten.", "C01X00T47"),
        ("Passnummer: 051234567", "051234567"),
        ("Der rumänische Pass 12345678 lag beim Angeklagten.", "12345678"),
    ],
)
def test_passport_numbers_are_flagged(text, number):
    assert flagged(text) == [("passport_number", number)]


def test_the_word_pass_alone_is_not_a_passport_number():
    assert flagged("Der Angeklagte nahm ihr den Pass ab und behielt ihn.") == []


def test_prosecutor_file_numbers_are_flagged_but_court_file_numbers_are_not():
    text = "Verfahren der StA Berlin 276 Js 1234/19; Revision: BGH, 3 StR 123/19."

    assert flagged(text) == [("prosecutor_file_number", "276 Js 1234/19")]


def test_a_finding_names_its_field_position_context_and_a_german_message():
    summary = "Sachverhalt: " + "x" * 60 + " Die Zeugin Ana Popescu sagte aus. " + "y" * 60
    (finding,) = scan({"title": "Urteil des LG Berlin", "summary": summary})

    assert isinstance(finding, Finding)
    assert finding.field == "summary"
    assert finding.kind == "person_name"
    assert summary[finding.start : finding.end] == finding.match == "Ana Popescu"
    assert finding.context == "…" + summary[finding.start - 40 : finding.end + 40] + "…"
    assert "Personenname" in str(finding.message)
    assert "„Ana Popescu“" in str(finding.message)


def test_findings_come_per_field_in_order_of_position():
    findings = scan(
        {
            "title": "Zeugin Ana Popescu",
            "summary": "Tel. 030 1234567, Frau Popescu, Hauptstraße 12",
            "empty": "",
        }
    )

    assert [(f.field, f.kind) for f in findings] == [
        ("title", "person_name"),
        ("summary", "phone"),
        ("summary", "person_name"),
        ("summary", "street_address"),
    ]
    assert {f.kind for f in findings} <= set(KINDS)


def test_a_clean_summary_has_no_findings():
    summary = (
        "Das Landgericht verurteilte die Angeklagte wegen Menschenhandels zum Zweck der "
        "sexuellen Ausbeutung (§ 232a Abs. 1 Nr. 1 StGB). Die Geschädigte A. erhielt eine "
        "Aufenthaltserlaubnis nach § 25 Abs. 4a AufenthG und Leistungen nach dem OEG."
    )
    assert scan({"summary": summary}) == []


def test_real_decisions_produce_almost_no_false_alarms(shared_corpus):
    """2,000 passages of federal court decisions (LER dataset) as a sample of legal prose."""
    counts: Counter[str] = Counter()
    with shared_corpus("ler_decisions.jsonl").open(encoding="utf-8") as lines:
        for _, line in zip(range(2000), lines, strict=False):
            counts.update(finding.kind for finding in scan({"text": json.loads(line)["text"]}))

    for kind in ("email", "iban", "phone", "passport_number", "date_of_birth"):
        assert counts[kind] == 0, kind
    assert counts["person_name"] <= 3
    assert counts["street_address"] <= 3
