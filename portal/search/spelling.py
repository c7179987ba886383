"""How words are written in the documents a viewer may see: suggestions and completions
in the case people write ("Zwangsprostitution", "EGMR"), never from hidden documents."""

from __future__ import annotations

from whoosh.reading import TermNotFound

from portal.search.analysis import WRITTEN_SEPARATOR

#: Postings read per term at most: a word found only in hidden resources costs no more.
READ_BUDGET = 2000


def written_form(searcher, word: str, visible: frozenset[int]) -> str:
    """How the lower-case ``word`` is written in the documents ``visible`` to the viewer:
    "zwangsprostitution" -> "Zwangsprostitution", "egmr" -> "EGMR"; the word itself unless
    most of its occurrences there are written otherwise ("sexuelle", though "Sexuelle"
    starts a title).

    Only forms found in visible documents count, and only their occurrences there.
    """
    reader = searcher.reader()
    prefix = f"{word}{WRITTEN_SEPARATOR}".encode()
    forms: set[bytes] = set()
    for leaf, _base in reader.leaf_readers():
        if "spell_case" in leaf.schema:
            forms.update(btext for btext, _ in leaf.iter_prefix("spell_case", prefix))
    if not forms:
        return word
    count, best = max((_occurrences(reader, "spell_case", f, visible), f) for f in forms)
    if 2 * count <= _occurrences(reader, "spell", word.encode(), visible):
        return word
    return best[len(prefix) :].decode("utf-8")


def _occurrences(reader, fieldname: str, btext: bytes, visible: frozenset[int]) -> float:
    """How often the term occurs in visible documents (``READ_BUDGET`` postings read)."""
    try:
        postings = reader.postings(fieldname, btext)
    except TermNotFound:
        return 0
    total, read = 0.0, 0
    while postings.is_active() and read < READ_BUDGET:
        if postings.id() in visible:
            total += postings.weight()
        postings.next()
        read += 1
    return total
