"""Password policy and hashing after NIST SP 800-63B rev. 4.

Length is what counts: at least 15 characters, up to 256 allowed, no composition rules.
We reject the most common passwords and passwords that are little more than names the
attacker can guess (this portal, its topic, the user's organisation and name).
"""

import functools
import re
import secrets
import unicodedata
from collections.abc import Iterable
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 15
MAX_LENGTH = 256
# What is left of the password, in letters, once all context words are taken out.
MIN_LETTERS_BEYOND_CONTEXT = 10
# Shorter parts of names ("e.V.", initials) would remove too much from a passphrase.
MIN_CONTEXT_WORD_LENGTH = 3

PORTAL_WORDS = ("KOK", "Wissensportal", "kok-portal")
DOMAIN_WORDS = (
    "Menschenhandel",
    "Ausbeutung",
    "Beratungsstelle",
    "Fachberatungsstelle",
    "Passwort",
    "Password",
)

# Keyboard rows and alphabets; a password that is a run along one of them is trivial.
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertzuiopüasdfghjklöäyxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "qwertyuiopasdfghjklzxcvbnm",
)
_MAX_REPEAT_UNIT = 4
_LETTERS = re.compile(r"[^\W\d_]+")

_hasher = PasswordHasher()  # Argon2id with the library's RFC 9106 defaults


def normalise(password: str) -> str:
    """Return the password in Unicode NFKC, the form we count, check and hash."""
    return unicodedata.normalize("NFKC", password)


@functools.cache
def common_passwords() -> frozenset[str]:
    """Return the 10,000 most common passwords, lower-cased."""
    text = (
        resources.files("portal.auth")
        .joinpath("data", "common_passwords.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_policy(password: str, context_words: Iterable[str] = ()) -> list:
    """Return German messages saying why the password is refused; an empty list means OK."""
    password = normalise(password)
    length = len(password)
    if length > MAX_LENGTH:
        return [_l("Das Passwort darf höchstens %(max)s Zeichen lang sein.", max=MAX_LENGTH)]

    problems = []
    if length < MIN_LENGTH:
        problems.append(
            _l("Das Passwort muss mindestens %(min)s Zeichen lang sein.", min=MIN_LENGTH)
        )
    if password.lower() in common_passwords():
        problems.append(
            _l(
                "Dieses Passwort gehört zu den am häufigsten verwendeten Passwörtern und ist "
                "daher leicht zu erraten. Bitte wählen Sie ein anderes."
            )
        )
    if _is_trivial(password):
        problems.append(
            _l(
                "Das Passwort darf nicht nur aus einem wiederholten Zeichen oder einer "
                "einfachen Folge wie „123456…“ oder „abcdef…“ bestehen."
            )
        )
    elif _is_mostly_context(password, [*PORTAL_WORDS, *DOMAIN_WORDS, *context_words]):
        problems.append(
            _l(
                "Das Passwort besteht überwiegend aus Namen oder Begriffen, die mit Ihnen, "
                "Ihrer Organisation oder diesem Portal zu tun haben, und ist daher leicht zu "
                "erraten. Bitte ergänzen Sie es um weitere, nicht naheliegende Wörter."
            )
        )
    return problems


def _is_trivial(password: str) -> bool:
    """Tell whether the password is one short unit repeated or a run along a sequence."""
    text = password.casefold()
    if not text:
        return False
    for unit in range(1, _MAX_REPEAT_UNIT + 1):
        if len(text) >= 2 * unit and all(text[i] == text[i - unit] for i in range(unit, len(text))):
            return True
    for sequence in _SEQUENCES:
        # Repeat the sequence so runs may wrap around, as in "123456789012345".
        cyclic = sequence * (len(text) // len(sequence) + 2)
        if text in cyclic or text[::-1] in cyclic:
            return True
    return False


def _context_variants(words: Iterable[str]) -> set[str]:
    """Return each context word, its letter-only form and its parts, case-folded."""
    variants = set()
    for word in words:
        parts = _LETTERS.findall(normalise(word or "").casefold())
        variants.update(parts)
        variants.add("".join(parts))
    return {variant for variant in variants if len(variant) >= MIN_CONTEXT_WORD_LENGTH}


def _is_mostly_context(password: str, words: Iterable[str]) -> bool:
    """Tell whether fewer than ten letters remain once the context words are removed."""
    # Digits, spaces and punctuation add little against a guesser who knows the words.
    letters = "".join(_LETTERS.findall(password.casefold()))
    remaining = letters
    for word in sorted(_context_variants(words), key=len, reverse=True):
        remaining = remaining.replace(word, "")
    return remaining != letters and len(remaining) < MIN_LETTERS_BEYOND_CONTEXT


def hash_password(password: str) -> str:
    """Return an Argon2id hash of the NFKC-normalised password."""
    return _hasher.hash(normalise(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether the password matches the hash; never raises on a bad hash."""
    try:
        return _hasher.verify(password_hash, normalise(password))
    except (VerificationError, InvalidHashError, ValueError, TypeError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with weaker parameters than today's (or is unusable)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError, TypeError):
        return True


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(32))


def verify_dummy(password: str) -> bool:
    """Spend the time of a real verification when the account does not exist; always False."""
    verify_password(_dummy_hash(), password)
    return False


def __getattr__(name: str) -> str:
    # DUMMY_HASH is computed on first use, not at import: hashing takes a noticeable moment.
    if name == "DUMMY_HASH":
        return _dummy_hash()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
