import pytest

from portal.auth import passwords
from portal.auth.passwords import (
    check_password_policy,
    hash_password,
    needs_rehash,
    normalise,
    verify_dummy,
    verify_password,
)

# These tests are about hashing itself: Argon2 with its real costs.
pytestmark = pytest.mark.real_argon2

GOOD = "Grüne Tomaten im Februar"


def messages(password, context_words=()):
    return [str(message) for message in check_password_policy(password, context_words)]


@pytest.fixture(scope="module")
def good_hash():
    return hash_password(GOOD)


@pytest.mark.parametrize(
    "password",
    [
        "Kurz",
        "vierzehn Zeich",  # 14
        "ä" * 7 + "x" * 7,
        "",
    ],
)
def test_a_password_shorter_than_15_characters_is_refused(password):
    assert "Das Passwort muss mindestens 15 Zeichen lang sein." in messages(password)


@pytest.mark.parametrize(
    "password",
    [
        "Gelbe Boote sin",  # exactly 15
        "Zitronen fliegen leise über den Deich bei Sonnenaufgang im März ",  # 64
        ("Der Wind trägt Möwen über das Watt, und niemand zählt sie. " * 4)[:200],
        "x7Kp Wolke Fahrrad Brücke " + "ö" * 230,  # exactly 256
    ],
)
def test_passphrases_from_15_up_to_256_characters_are_accepted(password):
    assert len(password) in (15, 64, 200, 256)
    assert messages(password) == []


def test_a_password_longer_than_256_characters_is_refused_not_truncated():
    assert messages("Wolke Fahrrad " * 20) == ["Das Passwort darf höchstens 256 Zeichen lang sein."]


@pytest.mark.parametrize(
    "password",
    [
        "Дождь идёт над рекой тихо",
        "Şemsiye ve çay bahçede öğlen",
        "我的猫喜欢在阳光下睡觉很久很久",
        "Straße für Gänsefüßchen",
    ],
)
def test_non_ascii_passphrases_are_accepted(password):
    assert messages(password) == []


def test_length_is_counted_after_nfkc_in_code_points():
    # A full-width "Ａ" becomes "A"; a decomposed "ä" becomes one code point.
    decomposed = "a\u0308" * 14
    assert len(decomposed) == 28
    assert "Das Passwort muss mindestens 15 Zeichen lang sein." in messages(decomposed)
    assert normalise("ＡＢＣ") == "ABC"


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "123456",
        "qazwsxedcrfvtgb",
        "QAZWSXEDCRFVTGB",
        "momsanaladventure",
        "mailcreated5240",
        "1qaz2wsx3edc4rfv",
        "ｍｏｍｓａｎａｌａｄｖｅｎｔｕｒｅ",  # full width, same after NFKC
    ],
)
def test_common_passwords_are_refused_case_insensitively(password):
    assert any("häufigsten verwendeten" in message for message in messages(password))


def test_the_common_password_list_has_10000_lower_case_entries():
    common = passwords.common_passwords()
    assert len(common) == 10_000
    assert all(entry == entry.lower() and not entry.startswith("#") for entry in common)


@pytest.mark.parametrize(
    ("password", "context_words"),
    [
        ("Menschenhandel2024!", ()),
        ("Fachberatungsstelle 123456", ()),
        ("Wissensportal-KOK-2024!!", ()),
        ("kok-portal passwort 99", ()),
        ("Passwort Menschenhandel", ()),
        ("Ausbeutung Ausbeutung!", ()),
        ("BeratungsstelleXYZ-2024", ()),
        ("Solwodi Rheinland-Pfalz 2024", ["SOLWODI Rheinland-Pfalz e.V."]),
        ("anna.mueller1985!!", ["anna.mueller"]),
        ("AnnaMüller-Müller-1985", ["Anna Müller"]),
        ("Ban Ying Berlin 12345678", ["Ban Ying e.V.", "Berlin"]),
    ],
)
def test_passwords_mostly_made_of_context_words_are_refused(password, context_words):
    assert any("überwiegend aus Namen" in m for m in messages(password, context_words))


@pytest.mark.parametrize(
    ("password", "context_words"),
    [
        ("Menschenhandel erkennen heißt hinschauen", ()),
        ("Anna pflückt Kirschen am Rhein", ["Anna Müller"]),
        ("Kokosnuss und Seetang zum Frühstück", ()),
    ],
)
def test_context_words_within_a_long_passphrase_are_fine(password, context_words):
    assert messages(password, context_words) == []


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaaaaa",
        "ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ",
        "123456789012345",
        "987654321098765",
        "abcdefghijklmnop",
        "zyxwvutsrqponmlk",
        "qwertzuiopüasdfgh",
        "abababababababab",
        "1234123412341234",
    ],
)
def test_repeated_characters_and_simple_sequences_are_refused(password):
    assert any("wiederholten Zeichen" in message for message in messages(password))


def test_each_problem_gets_its_own_message():
    assert len(messages("123456")) == 3  # too short, common, sequence


def test_a_hash_is_argon2id_and_verifies_the_right_password(good_hash):
    assert good_hash.startswith("$argon2id$")
    assert verify_password(good_hash, GOOD)
    assert not needs_rehash(good_hash)


@pytest.mark.parametrize("wrong", ["grüne Tomaten im Februar", GOOD + " ", "", GOOD[:-1]])
def test_a_wrong_password_does_not_verify(good_hash, wrong):
    assert verify_password(good_hash, wrong) is False


@pytest.mark.parametrize(
    ("hashed", "entered"),
    [
        ("Grüne Tomaten im Februar", "Gru\u0308ne Tomaten im Februar"),
        ("Gru\u0308ne Tomaten im Februar", "Grüne Tomaten im Februar"),
        ("ＷＯＬＫＥ ｕｎｄ Ｒｅｇｅｎ ２０２４", "WOLKE und Regen 2024"),
    ],
)
def test_equivalent_unicode_forms_hash_and_verify_equal(hashed, entered):
    assert verify_password(hash_password(hashed), entered)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not a hash",
        "$argon2id$v=19$m=65536,t=3,p=4$broken",
        "$2b$12$abcdefghijklmnopqrstuv",
        "pbkdf2:sha256:600000$salt$deadbeef",
    ],
)
def test_verifying_against_a_garbage_hash_returns_false(garbage):
    assert verify_password(garbage, GOOD) is False
    assert needs_rehash(garbage) is True


def test_a_hash_with_weaker_parameters_needs_rehashing():
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
    assert needs_rehash(weak)
    assert verify_password(weak, GOOD)


def test_long_passwords_are_not_truncated():
    first = "W" * 99 + "a"
    second = "W" * 99 + "b"
    assert not verify_password(hash_password(first), second)
    assert not verify_password(hash_password(second), first)


def test_the_dummy_hash_is_made_once_and_never_matches():
    assert passwords.DUMMY_HASH is passwords.DUMMY_HASH
    assert passwords.DUMMY_HASH.startswith("$argon2id$")
    assert verify_dummy(GOOD) is False
    assert verify_dummy("") is False
