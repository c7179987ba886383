"""File numbers (Aktenzeichen): every way of typing one compares equal to its canonical form."""

import pytest

from portal.legal.file_numbers import (
    PROSECUTOR_FILE_NUMBER_PATTERN,
    is_public_prosecutor_number,
    normalise_file_number,
)


@pytest.mark.parametrize(
    "typed",
    ["3 StR 123/19", "3StR123/19", "3 StR 123.19", " 3  str 123 / 19 ", "Az. 3 StR 123/19"],
)
def test_spacing_case_and_separator_do_not_matter(typed):
    assert normalise_file_number(typed) == "3 StR 123/19"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("1 BvR 1234/18", "1 BvR 1234/18"),
        ("1bvr1234/18", "1 BvR 1234/18"),
        ("VG 10 K 123.17 A", "VG 10 K 123/17 A"),
        ("vg 10 k 123/17 a", "VG 10 K 123/17 A"),
        ("2 Ss 45/20", "2 Ss 45/20"),
        ("2 ss 45.20", "2 Ss 45/20"),
        ("11 A 1234/19.A", "11 A 1234/19.A"),
        ("11 a 1234 / 19.a", "11 A 1234/19.A"),
        ("5 Sa 12/21", "5 Sa 12/21"),
        ("L 7 VE 3/18", "L 7 VE 3/18"),
        ("l7ve3/18", "L 7 VE 3/18"),
        ("B 6 KA 45/13 R", "B 6 KA 45/13 R"),
        ("II ZR 12/19", "II ZR 12/19"),
        ("ib zr 60/62", "Ib ZR 60/62"),
        ("5a O 12/19", "5a O 12/19"),
        ("10 C 23.12", "10 C 23/12"),
    ],
)
def test_court_file_numbers_have_one_canonical_form(typed, canonical):
    assert normalise_file_number(typed) == canonical


def test_a_bavarian_number_with_the_year_first_keeps_its_dot():
    assert normalise_file_number("au 5 k 17.31263") == "Au 5 K 17.31263"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("C-123/19", "C-123/19"),
        ("c – 123 / 19", "C-123/19"),
        ("C-123/19 p", "C-123/19 P"),
        ("T-201/04", "T-201/04"),
    ],
)
def test_eugh_case_numbers_are_normalised(typed, canonical):
    assert normalise_file_number(typed) == canonical


@pytest.mark.parametrize(
    "typed", ["Nr. 12345/19", "nr 12345 / 19", "No. 12345/19", "Beschwerde-Nr. 12345/19"]
)
def test_egmr_application_numbers_are_normalised(typed):
    assert normalise_file_number(typed) == "Nr. 12345/19"


def test_different_file_numbers_stay_different():
    assert normalise_file_number("3 StR 123/19") != normalise_file_number("3 StR 123/18")
    assert normalise_file_number("3 StR 123/19") != normalise_file_number("3 Ss 123/19")


def test_blank_input_normalises_to_an_empty_string():
    assert normalise_file_number("   ") == ""


@pytest.mark.parametrize(
    "typed", ["123 Js 456/19", "123Js456/19", "123 js 456.19", "72 UJs 1234/20", "2 BJs 12/2019"]
)
def test_prosecutor_file_numbers_are_recognised(typed):
    assert is_public_prosecutor_number(typed)


@pytest.mark.parametrize("typed", ["3 StR 123/19", "1 BvR 1234/18", "C-123/19", "Js", ""])
def test_court_file_numbers_are_not_prosecutor_numbers(typed):
    assert not is_public_prosecutor_number(typed)


def test_prosecutor_file_numbers_can_be_found_in_running_text():
    text = "Das Verfahren 123 Js 456/19 der StA Berlin und 3 StR 123/19 des BGH."

    assert [m.group(0) for m in PROSECUTOR_FILE_NUMBER_PATTERN.finditer(text)] == ["123 Js 456/19"]
