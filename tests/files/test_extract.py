import io
import logging
import zipfile

import pytest
from pypdf import PdfWriter

from portal.files import extract_text
from portal.files.extraction import MAX_TEXT_LENGTH
from tests.helpers import build_pages_pdf, build_slow_pdf

SECRET = "streng-geheim-4711"


def test_text_is_extracted_from_a_pdf(make_pdf):
    result = extract_text(make_pdf("Grüße aus Köln (Fachberatung)"), "pdf")
    assert result.error is None
    assert "Grüße aus Köln (Fachberatung)" in result.text


def test_a_blank_pdf_gives_no_text_and_no_error():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    result = extract_text(out.getvalue(), "pdf")
    assert (result.text.strip(), result.error) == ("", None)


def test_paragraphs_and_table_cells_are_extracted_from_a_docx(make_docx):
    result = extract_text(
        make_docx("Erster Absatz", "Zweiter Absatz", table_text="Zelle ä"), "docx"
    )
    assert result.error is None
    assert result.text.split("\n") == ["Erster Absatz", "Zweiter Absatz", "Zelle ä"]


def test_headings_and_paragraphs_are_extracted_from_an_odt_in_order(make_odt):
    result = extract_text(make_odt("Überschrift", "Grüße aus Köln", "Zweiter Absatz"), "odt")
    assert result.error is None
    assert result.text.split("\n") == ["Überschrift", "Grüße aus Köln", "Zweiter Absatz"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Grüße aus Köln\nZweite Zeile".encode(), "Grüße aus Köln\nZweite Zeile"),
        ("\ufeffMit BOM: Äpfel".encode(), "Mit BOM: Äpfel"),
        ("Grüße in Windows-1252".encode("cp1252"), "Grüße in Windows-1252"),
    ],
)
def test_plain_text_is_decoded(data, expected):
    assert extract_text(data, "txt").text == expected


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.fixture
def secret_dtd(tmp_path):
    path = tmp_path / "secret.dtd"
    path.write_text(f'<!ENTITY xxe "{SECRET}">', encoding="utf-8")
    return path


def docx_with_declaration(make_docx, rezip, declaration: str) -> bytes:
    docx = make_docx("Vorher", "Nachher")
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        document = archive.read("word/document.xml").decode()
    document = document.replace("?>", "?>" + declaration, 1).replace("Vorher", "Vorher &xxe;")
    return rezip(docx, {"word/document.xml": document.encode()})


def test_a_docx_with_an_external_entity_does_not_read_local_files(make_docx, rezip, secret_file):
    declaration = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
    result = extract_text(docx_with_declaration(make_docx, rezip, declaration), "docx")
    assert result.error is None  # the document was parsed, entity and all
    assert "Nachher" in result.text
    assert SECRET not in result.text


@pytest.mark.parametrize(
    "declaration",
    [
        '<!DOCTYPE w:document [<!ENTITY % dtd SYSTEM "{uri}"> %dtd;]>',
        '<!DOCTYPE w:document SYSTEM "{uri}">',
    ],
)
def test_a_docx_with_an_external_dtd_does_not_load_it(make_docx, rezip, secret_dtd, declaration):
    data = docx_with_declaration(make_docx, rezip, declaration.format(uri=secret_dtd.as_uri()))
    result = extract_text(data, "docx")
    # Had the DTD been loaded, "&xxe;" would expand to the secret; unloaded, it is undefined.
    assert SECRET not in result.text
    assert result.text == ""
    assert result.error


def test_a_docx_with_nested_entities_does_not_expand_them(make_docx, rezip):
    docx = make_docx("Vorher")
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        document = archive.read("word/document.xml").decode()
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
    )
    document = document.replace("?>", f"?><!DOCTYPE w:document [{entities}]>", 1)
    document = document.replace("Vorher", "Vorher &a9;")
    result = extract_text(rezip(docx, {"word/document.xml": document.encode()}), "docx")
    assert len(result.text) < 1000


def test_an_odt_with_an_external_entity_does_not_read_local_files(make_odt, rezip, secret_file):
    odt = make_odt("Titel", "Vorher")
    with zipfile.ZipFile(io.BytesIO(odt)) as archive:
        content = archive.read("content.xml").decode()
    declaration = (
        f'<!DOCTYPE office:document-content [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
    )
    content = content.replace("?>", "?>" + declaration, 1).replace("Vorher", "Vorher &xxe;")
    result = extract_text(rezip(odt, {"content.xml": content.encode()}), "odt")
    assert SECRET not in result.text
    assert SECRET not in (result.error or "")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\nnothing else", "pdf"),
        (b"PK\x03\x04 not a zip", "docx"),
        (b"PK\x03\x04 not a zip", "odt"),
        (b"binary\x00data", "txt"),
        (b"Grusswort", "png"),
    ],
)
def test_unreadable_files_give_an_empty_text_and_a_german_error(data, kind):
    result = extract_text(data, kind)
    assert result.text == ""
    assert result.error and "Datei" in result.error


def test_a_file_of_another_kind_than_claimed_gives_an_error(make_docx):
    result = extract_text(make_docx(), "pdf")
    assert (result.text, bool(result.error)) == ("", True)


def test_a_zip_bomb_is_not_unpacked_for_extraction(make_docx, rezip):
    data = rezip(make_docx(), {"word/media/image1.bin": bytes(50 * 1024 * 1024)})
    result = extract_text(data, "docx")
    assert result.text == ""
    assert "unverhältnismäßig groß" in result.error


def test_library_failures_are_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="portal.files.extraction"):
        extract_text(b"%PDF-1.7\nnothing else", "pdf")
    assert "Cannot extract text from a pdf file" in caplog.text


def test_extracted_text_is_capped_at_two_million_characters():
    result = extract_text(("Wort " * 500_000).encode(), "txt")
    assert len(result.text) == MAX_TEXT_LENGTH
    assert result.truncated
    assert result.error is None


# --- the PDF budget -----------------------------------------------------------------------


def test_a_pdf_that_takes_too_long_keeps_the_pages_read_and_says_the_rest_is_missing():
    data = build_slow_pdf(pages=4, first_page="Lesbare erste Seite")
    result = extract_text(data, "pdf", time_budget=2.0)
    assert "Lesbare erste Seite" in result.text
    assert result.error is None
    assert result.incomplete and "von 5 Seiten" in result.incomplete
    assert "nicht durchsuchbar" in result.incomplete


def test_a_pdf_with_more_pages_than_the_budget_is_read_up_to_the_limit():
    data = build_pages_pdf("Seite eins", "Seite zwei", "Seite drei", "Seite vier")
    result = extract_text(data, "pdf", max_pages=2)
    assert "Seite eins" in result.text and "Seite zwei" in result.text
    assert "Seite drei" not in result.text
    assert result.incomplete and "2 von 4 Seiten" in result.incomplete


def test_a_pdf_within_the_budget_is_read_completely_without_a_note():
    result = extract_text(build_pages_pdf("Seite eins", "Seite zwei"), "pdf")
    assert "Seite eins" in result.text and "Seite zwei" in result.text
    assert (result.error, result.incomplete) == (None, None)
