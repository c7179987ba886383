"""The anonymisation check run before a case-law summary is submitted or published.

:func:`scan` looks through the text fields of a summary for personal data that should not
be published: names of victims and witnesses, dates of birth, phone numbers, e-mail and
street addresses, IBANs, passport numbers and public prosecutors' file numbers. It only
points at suspicious passages; an editor decides.

Names are recognised next to role words ("die Geschädigte Maria K.", "Zeugin Ana Popescu",
"Frau Popescu"). Initials ("die Geschädigte A.", "Frau K. B.") count as anonymised. A lone
surname after a role word other than Frau/Herr ("die Zeugin Popescu") is not flagged: it
cannot be told apart from the nouns that follow these words in legal prose ("die Zeugin
Angaben machte").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.legal.courts import find_court
from portal.legal.file_numbers import PROSECUTOR_FILE_NUMBER_PATTERN

KINDS = (
    "person_name",
    "date_of_birth",
    "phone",
    "email",
    "street_address",
    "iban",
    "passport_number",
    "prosecutor_file_number",
)

CONTEXT_CHARS = 40


@dataclass(frozen=True, slots=True)
class Finding:
    """One passage in one field that may identify a person."""

    field: str
    kind: str
    match: str
    start: int
    end: int
    context: str
    message: LazyString  # rendered in the reader's language when turned into a string


def scan(fields: dict[str, str]) -> list[Finding]:
    """Findings in every field, ordered by field and position."""
    findings: list[Finding] = []
    for field, text in fields.items():
        if text:
            findings.extend(_scan_text(field, text))
    return findings


def _message(kind: str, match: str) -> LazyString:
    # One literal per msgid so that pybabel extract finds them.
    if kind == "person_name":
        return _l(
            "Möglicherweise ein Personenname: „%(match)s“. Bitte auf Anfangsbuchstaben "
            "kürzen (z. B. „die Geschädigte A.“).",
            match=match,
        )
    if kind == "date_of_birth":
        return _l(
            "Möglicherweise ein Geburtsdatum: „%(match)s“. Bitte entfernen oder nur das Alter "
            "angeben.",
            match=match,
        )
    if kind == "phone":
        return _l("Möglicherweise eine Telefonnummer: „%(match)s“. Bitte entfernen.", match=match)
    if kind == "email":
        return _l("E-Mail-Adresse gefunden: „%(match)s“. Bitte entfernen.", match=match)
    if kind == "street_address":
        return _l(
            "Möglicherweise eine Anschrift: „%(match)s“. Bitte entfernen oder nur den Ort nennen.",
            match=match,
        )
    if kind == "iban":
        return _l("IBAN gefunden: „%(match)s“. Bitte entfernen.", match=match)
    if kind == "passport_number":
        return _l("Möglicherweise eine Passnummer: „%(match)s“. Bitte entfernen.", match=match)
    if kind == "prosecutor_file_number":
        return _l(
            "Aktenzeichen der Staatsanwaltschaft: „%(match)s“. Es kann zu den Beteiligten "
            "führen; bitte entfernen.",
            match=match,
        )
    raise ValueError(f"unknown kind {kind!r}")


# --- detectors: each yields (start, end) spans of the sensitive part -----------------------

Span = tuple[int, int]

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")


def _emails(text: str) -> Iterator[Span]:
    for match in _EMAIL.finditer(text):
        yield match.span()


_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?=[ A-Z0-9])")


def _ibans(text: str) -> Iterator[Span]:
    """IBANs with a valid mod-97 check digit, written with or without spaces."""
    for start in _IBAN_START.finditer(text):
        run = re.match(r"[A-Z0-9]{4}(?: ?[A-Z0-9]){11,30}", text[start.start() :])
        if not run:
            continue
        # The run may swallow a following word; take the longest prefix that validates.
        candidate = run.group(0)
        for end in range(len(candidate), 14, -1):
            if candidate[end - 1] != " " and _iban_checksum_ok(candidate[:end]):
                yield start.start(), start.start() + end
                break


def _iban_checksum_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


_PHONE_SEP = r"(?:[ /-]|\s/\s)"
_PHONE = re.compile(
    r"(?<![\w/.,+])"
    r"(?:"
    # +49 30 1234567, 0049 (0)30 123 45 67, +40 721 234 567
    rf"(?:\+|00)[1-9][0-9]{{0,2}}(?: ?\(0\))?(?:{_PHONE_SEP}?[0-9]{{2,5}}){{2,5}}"
    r"|"
    # 030 1234567, (030) 123 45 67, 0176/12345678, 01761234567 (German numbers starting
    # "01" are mobile or service numbers: 015x-018x)
    r"\(?0(?:1[5-8][0-9]|[2-9][0-9])[0-9]{0,3}\)?"
    rf"{_PHONE_SEP}?[0-9]{{3,8}}(?:[ -][0-9]{{2,6}}){{0,3}}"
    r")"
    r"(?![\w/]|[.,][0-9])"
)


_IBAN_SHAPED = re.compile(r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,}")


def _phones(text: str) -> Iterator[Span]:
    iban_like = [match.span() for match in _IBAN_SHAPED.finditer(text)]
    for match in _PHONE.finditer(text):
        number = match.group(0)
        digits = sum(char.isdigit() for char in number)
        # Short runs of digits are register numbers ("UM 001 697 044"), not phones.
        minimum = 10 if number.isdigit() or number.startswith(("+", "00")) else 7
        if not minimum <= digits <= 15:
            continue
        if any(start <= match.start() < end for start, end in iban_like):
            continue  # an IBAN with a wrong check digit
        yield match.span()


_MONTHS = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
_DATE = (
    r"(?:[0-3]?[0-9]\.\s?[01]?[0-9]\.\s?(?:19|20)?[0-9]{2}"
    rf"|[0-3]?[0-9]\.\s?(?:{_MONTHS})\s+(?:19|20)[0-9]{{2}}"
    r"|(?:19|20)[0-9]{2}-[01][0-9]-[0-3][0-9])"
)
_DATE_OF_BIRTH = re.compile(
    r"(?:\bgeb\.|\bgeboren|\bGeburtsdatum:?|\*)\s*(?:am\s+)?"
    rf"(?P<value>{_DATE})(?![0-9])"
)


def _dates_of_birth(text: str) -> Iterator[Span]:
    for match in _DATE_OF_BIRTH.finditer(text):
        yield match.span("value")


_STREET_WORD = (
    r"(?:[Ss]tra(?:ß|ss)e|[Ss]tr\.|[Gg]asse|[Aa]llee|[Ww]eg|[Pp]latz|[Rr]ing|[Dd]amm|[Uu]fer"
    r"|[Cc]haussee)"
)
_HOUSE_NUMBER = (
    r"[1-9][0-9]{0,2}(?: ?[a-z])?(?![\w/])"
    rf"(?!\. ?(?:[0-9]|{_MONTHS}))"  # a date: "am Stichtag 30. Juni"
    r"(?! ?(?:-|bis|und) ?[0-9])"  # a range: "in den Lohngruppen 6 - 12"
)
_STREET = re.compile(
    r"(?:"
    # Hauptstraße 12, Karl-Marx-Allee 3a
    rf"\b[A-ZÄÖÜ][\wäöüß-]*?{_STREET_WORD}"
    r"|"
    # Berliner Str. 5
    rf"\b[A-ZÄÖÜ][a-zäöüß]+er {_STREET_WORD}"
    r"|"
    # Am Markt 3a, An der Kirche 1, Unter den Linden 5
    r"\b(?P<preposition>Am|An der|An den|Auf dem|Auf der|Im|In der|In den|Zum|Zur|Unter den) "
    r"(?P<name>[A-ZÄÖÜ][a-zäöüß]+)"
    r")"
    rf" {_HOUSE_NUMBER}"
)
# Words after "Am", "Im", "Zur" ... that are prose, not streets ("im Jahr 2", "zum Beispiel 3").
_NOT_STREETS = frozenset(
    {
        "Fall", "Falle", "Rahmen", "Übrigen", "Ergebnis", "Einzelnen", "Sinne", "Hinblick",
        "Zeitpunkt", "Zeitraum", "Monat", "Tag", "Ende", "Anfang", "Beispiel", "Zeit",
        "Abschnitt", "Absatz", "Teil", "Punkt", "Nummer", "Vergleich", "Streitfall", "Urteil",
        "Beschluss", "Anschluss", "Gegensatz", "Gesetz", "Höhe", "Folge", "Wege",
        "Verhältnis", "Kapitel", "Rang", "Alter", "Anhang", "Anlage", "Artikel", "Paragraph",
        "Satz", "Buchstabe", "Ziffer", "Randnummer", "Band", "Heft", "Bereich", "Umfang",
        *_MONTHS.split("|"),
    }
)  # fmt: skip
_NOT_STREET_ENDINGS = (
    "jahr", "jahre", "jahren", "jahres", "gruppe", "gruppen", "stufe", "stufen", "klasse",
    "klassen", "richtlinie", "verordnung", "quartal", "woche", "wochen", "tage", "tagen",
    "monate", "monaten", "fall", "fälle", "fällen", "verfahren", "ung", "ungen", "heit",
    "keit", "schaft", "tion", "tät", "nis", "ment", "anspruch", "ansprüche", "ansprüchen",
    "figur", "figuren", "bild", "griff", "tabelle", "stichtag", "tag",
)  # fmt: skip
# Compound words ending in a street word that are ordinary nouns ("Arbeitsplatz 2").
_NOT_STREET_COMPOUNDS = re.compile(
    r"(?:Arbeits|Ausbildungs|Stell|Park|Sitz|Spiel|Markt|Rechts|Amts|Dienst|Verwaltungs|"
    r"Instanzen|Aus|Um|Zu|Ab|Weg|Lösungs|Zahlungs|Liefer|Schul|Bildungs|Arbeit)"
    r"(?:platz|weg|ring|damm|ufer)$"
    # Road numbers, not addresses: "Bundesstraße 3", "Kreisstraße 74"
    r"|^(?:Bundes|Landes|Kreis|Staats|Gemeinde|Land|Schnell)stra(?:ß|ss)e$",
    re.IGNORECASE,
)


def _street_addresses(text: str) -> Iterator[Span]:
    for match in _STREET.finditer(text):
        if match.group("preposition"):
            name = match.group("name")
            if name in _NOT_STREETS or name.lower().endswith(_NOT_STREET_ENDINGS):
                continue
        else:
            street = match.group(0).rsplit(" ", 1)[0].split(" ")[0]
            if _NOT_STREET_COMPOUNDS.search(street):
                continue
        yield match.span()


_PASSPORT = re.compile(
    r"\b(?:Reisepass|Pass|Reisepassnummer|Passnummer|Passnr\.?|Pass-Nr\.?)"
    r"(?:\s+(?:mit\s+der\s+)?(?:Nr\.|Nummer|No\.?))?\s*:?\s*"
    r"(?P<value>(?=[A-Z0-9]*[0-9])[A-Z0-9]{6,10})(?![\w/])"
)


def _passport_numbers(text: str) -> Iterator[Span]:
    for match in _PASSPORT.finditer(text):
        yield match.span("value")


def _prosecutor_numbers(text: str) -> Iterator[Span]:
    for match in PROSECUTOR_FILE_NUMBER_PATTERN.finditer(text):
        yield match.span()


_ROLE = (
    r"(?:Geschädigte[nr]?|Zeugin(?:nen)?|Zeugen?|Betroffene[nr]?|Angeklagte[nr]?|"
    r"Angeschuldigte[nr]?|Beschuldigte[nr]?|Nebenklägerin|Nebenklägers?|Opfers?)"
)
_ADDRESS = r"(?:Frau|Herrn?|Fr\.|Hr\.)"
_TITLES = r"(?:(?:Dr|Prof)\.\s+)*"
_NAME_WORD = r"[A-ZÄÖÜ][a-zäöüßàáâãçèéêëìíîïñòóôõùúûýăîșțşţćčđšžł']+(?:-[A-ZÄÖÜ][a-zäöüß']+)?"
_INITIAL = r"[A-ZÄÖÜ]\."
_FULL_NAME = re.compile(
    rf"\b(?:{_ROLE}|{_ADDRESS})\s+{_TITLES}"
    rf"(?P<value>(?P<first>{_NAME_WORD})(?!\.)\s+(?:{_NAME_WORD}|{_INITIAL}))"
)
_SURNAME = re.compile(rf"\b{_ADDRESS}\s+{_TITLES}(?P<value>{_NAME_WORD})(?P<dot>\.)?")

# Capitalised words that follow role words in legal prose but are no names.
_NOT_NAMES = frozenset(
    {
        # articles, pronouns, particles that start a sentence
        "Die", "Der", "Das", "Den", "Dem", "Des", "Ein", "Eine", "Einen", "Einer", "Eines",
        "Er", "Sie", "Es", "Ihr", "Ihre", "Ihren", "Sein", "Seine", "Seinen", "Nach", "Für",
        "Daher", "Dies", "Dieser", "Diese", "Dieses", "Im", "In", "Am", "An", "Auf", "Aus",
        "Bei", "Mit", "Von", "Vor", "Zu", "Zum", "Zur", "Und", "Oder", "Aber", "Auch", "Als",
        "Wie", "So", "Da", "Dass", "Denn", "Doch", "Jedoch", "Hier", "Dort", "Nun", "Nicht",
        "Kein", "Keine", "Trotz", "Wegen", "Gegen", "Über", "Unter", "Ohne", "Um", "Seit",
        "Bis", "Insoweit", "Insbesondere", "Zudem", "Ferner", "Somit", "Deshalb", "Allerdings",
        "Weiter", "Weitere", "Soweit", "Sofern", "Damit", "Dabei", "Danach", "Dagegen",
        # roles and titles ("Frau Vorsitzende", "Herrn Rechtsanwalt F.")
        "Vorsitzende", "Vorsitzender", "Vorsitzenden", "Richterin", "Richter", "Rechtsanwältin",
        "Rechtsanwalt", "Rechtsanwälte", "Staatsanwältin", "Staatsanwalt", "Oberstaatsanwältin",
        "Oberstaatsanwalt", "Kollegin", "Kollege", "Präsidentin", "Präsident", "Ministerin",
        "Minister", "Senatorin", "Senator", "Abgeordnete", "Abgeordneter", "Bürgermeisterin",
        "Bürgermeister", "Professorin", "Professor", "Doktor", "Major", "Hauptmann", "Oberst",
        "Kommissarin", "Kommissar", "Polizeibeamtin", "Polizeibeamter", "Dolmetscherin",
        "Dolmetscher", "Sachverständige", "Sachverständiger", "Verteidigerin", "Verteidiger",
        "Direktorin", "Direktor", "Leiterin", "Leiter", "Beraterin", "Berater", "Zeugin",
        "Zeuge", "Zeugen", "Geschädigte", "Betroffene", "Angeklagte", "Nebenklägerin",
        "Beistand", "Betreuerin", "Betreuer", "Mutter", "Vater", "Tochter", "Sohn", "Schwester",
        "Bruder", "Ehefrau", "Ehemann", "Freundin", "Freund",
    }
)  # fmt: skip
_NOUN_ENDINGS = (
    "ung", "ungen", "heit", "keit", "schaft", "tion", "tionen", "tät", "nis", "nisse",
    "ismus", "ment", "gericht", "recht", "gesetz", "ordnung", "amt", "behörde", "stelle",
    "verfahren", "geld", "kosten", "lohn", "arbeit", "ische", "ischen", "liche", "lichen",
    "offizier", "meister", "meisterin", "leiter", "leiterin", "arzt", "ärztin", "anwalt",
    "anwältin", "beamte", "beamtin", "kommissar", "kommissarin", "richter", "richterin",
)  # fmt: skip


def _looks_like_name(word: str) -> bool:
    return word not in _NOT_NAMES and not word.lower().endswith(_NOUN_ENDINGS)


def _person_names(text: str) -> Iterator[Span]:
    for match in _FULL_NAME.finditer(text):
        value = match.group("value")
        second = value.split()[-1]
        if not _looks_like_name(match.group("first")) or second in _NOT_NAMES:
            continue
        if find_court(value) is not None:
            continue
        yield match.span("value")
    for match in _SURNAME.finditer(text):
        surname = match.group("value")
        if len(surname) < 3 or (match.group("dot") and len(surname) <= 4):
            continue  # "Frau Kr." is an abbreviation, i.e. already anonymised
        if _looks_like_name(surname):
            yield match.span("value")


# Earlier detectors win where spans overlap (an IBAN is not also a phone number).
_DETECTORS: tuple[tuple[str, Callable[[str], Iterator[Span]]], ...] = (
    ("email", _emails),
    ("iban", _ibans),
    ("prosecutor_file_number", _prosecutor_numbers),
    ("passport_number", _passport_numbers),
    ("date_of_birth", _dates_of_birth),
    ("phone", _phones),
    ("street_address", _street_addresses),
    ("person_name", _person_names),
)


def _scan_text(field: str, text: str) -> list[Finding]:
    taken: list[Span] = []
    findings: list[Finding] = []
    for kind, detect in _DETECTORS:
        for start, end in detect(text):
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            match = text[start:end]
            findings.append(
                Finding(
                    field=field,
                    kind=kind,
                    match=match,
                    start=start,
                    end=end,
                    context=_context(text, start, end),
                    message=_message(kind, match),
                )
            )
    findings.sort(key=lambda finding: finding.start)
    return findings


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT_CHARS) : start]
    after = text[end : end + CONTEXT_CHARS]
    prefix = "…" if start > CONTEXT_CHARS else ""
    suffix = "…" if end + CONTEXT_CHARS < len(text) else ""
    return " ".join(f"{prefix}{before}{text[start:end]}{after}{suffix}".split())
