"""The search entry points: ``search``, ``more_like_this``, ``similar_resources``.

Access control happens inside the index query: every search starts from the set of documents
the viewer may see (published, and an audience of the viewer; see
``portal.resources.access``), and totals, facet counts, pages, snippets and spelling
suggestions are computed from that set only. Hits are then loaded from the database in rank
order and checked again with ``can_view``. Queries are compiled to Whoosh query objects
(``portal.search.query``) and ranked by the array engine (``portal.search.engine``), which
scores like Whoosh's BM25F a whole postings list at a time.

Every resource is indexed, whatever its workflow status. A search returns published resources
unless the ``status`` filter asks for others; the audiences still decide: drafts, submitted,
returned and archived resources are found only by their organisation and the office. The
status facet (counts per status) appears when the viewer's matches include unpublished ones.
"""

from __future__ import annotations

import bisect
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import date

import nh3
import numpy as np
from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from whoosh import highlight
from whoosh.query import And, NumericRange, Or, Term
from whoosh.searching import Results

from portal.extensions import db
from portal.legal.citations import Norm, canonical_book
from portal.legal.courts import COURT_LEVELS, find_court
from portal.orgs.models import Organisation
from portal.resources.access import can_view, user_audiences
from portal.resources.fields import FACET_FIELDS
from portal.resources.lists import LIST_LINE
from portal.resources.models import (
    LANGUAGES,
    LEGAL_AREAS,
    RESOURCE_TYPES,
    STATUSES,
    Attachment,
    Court,
    Resource,
)
from portal.search import outbox
from portal.search.engine import characters
from portal.search.index import SNIPPET_FIELDS, attachment_text
from portal.search.query import Compiler, ParsedQuery, analyse, parse
from portal.search.spelling import written_form

logger = logging.getLogger(__name__)

MODES = ("search", "describe")
SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PAGE = 500

#: Filter key -> index field.
FILTER_FIELDS = {
    "type": "type",
    "court": "court_id",
    "court_level": "court_level",
    "legal_area": "legal_area",
    # A norm filter takes the provisions within it too ("§ 25 AufenthG": also "Abs. 4a").
    "norm": "norm_tree",
    "topic": "topic",
    "organisation": "organisation",
    "year": "year",
    "language": "language",
    # The field table's facets (case facts), by their field name.
    **{f.name: f.name for f in FACET_FIELDS},
}
#: Facets shown with counts, in this order (filter key = facet name).
FACETS = tuple(FILTER_FIELDS)
#: Facets whose values are those cited at the level written ("§ 25 Abs. 4a AufenthG"), from
#: this field, while counting as their filter does (the provisions within included).
FACET_VALUES = {"norm": "norm"}
#: Workflow status: published only unless the viewer asks for others it may see (drafts of
#: the own organisation; the office sees every organisation's).
STATUS_FILTER = "status"
DEFAULT_STATUSES = ("published",)
#: Every filter the search accepts: the facets, the status and a date range.
FILTER_KEYS = (*FACETS, STATUS_FILTER, "date_from", "date_to")
FACET_LIMIT = 12
#: Filter key -> label (facet legends, the filters a saved search has set).
FACET_LABELS = {
    "type": _l("Art"),
    "court": _l("Gericht"),
    "court_level": _l("Instanz"),
    "legal_area": _l("Rechtsgebiet"),
    "norm": _l("Norm"),
    "topic": _l("Thema"),
    "organisation": _l("Organisation"),
    "year": _l("Jahr"),
    "language": _l("Sprache"),
    "status": _l("Bearbeitungsstand"),
    "date_from": _l("Datum ab"),
    "date_to": _l("Datum bis"),
    **{f.name: f.label for f in FACET_FIELDS},
}

#: Term answers a snapshot remembers for the query compiler (about 100 bytes each).
FREQUENCY_CACHE = 200_000
#: Texts up to this length are shown whole as a snippet.
SHORT_TEXT = 320
#: Words highlighted per hit and field at most (see ``_keep_rarest``).
HIGHLIGHT_TERMS = 8

#: Index field -> German label for "why it matched".
MATCH_LABELS = {
    "title": _l("Titel"),
    "summary": _l("Zusammenfassung"),
    "body": _l("Volltext"),
    "attachments": _l("Anhang"),
    "file_number": _l("Aktenzeichen"),
    "file_number_key": _l("Aktenzeichen"),
    "norm": _l("Norm"),
    "norm_text": _l("Norm"),
    "norm_mention": _l("Norm"),
    "court": _l("Gericht"),
    "topic_text": _l("Thema"),
    "tag_text": _l("Schlagwort"),
    "meta": _l("Angaben zur Ressource"),
    "organisation_text": _l("Organisation"),
}


@dataclass
class Hit:
    resource: object
    score: float
    #: Highlighted title (``<mark>`` only), or None when the title did not match.
    title_html: Markup | None
    #: Highlighted passage of the best-matching field, or the summary's start.
    snippet: Markup
    #: The field the snippet comes from ("summary", "body", "attachments", ...).
    snippet_field: str
    #: German labels of the fields that matched ("why it matched").
    matched_fields: list[str]


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResult:
    query: str
    mode: str
    sort: str
    page: int
    per_page: int
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    #: A corrected query that finds something the viewer may see, or None.
    suggestion: str | None = None
    #: True when no resource had all words and the hits have any of them.
    any_word_fallback: bool = False
    filters: dict[str, list[str]] = field(default_factory=dict)
    #: Parser remarks: "truncated", "too_many_terms", "short_prefix".
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_query(self) -> bool:
        return bool(self.query.strip()) or bool(self.filters)


# --- filters ---------------------------------------------------------------------------


def normalise_filters(filters: dict | None) -> dict[str, list[str]]:
    """Known filter keys with their values as a list of non-empty strings."""
    result: dict[str, list[str]] = {}
    for key in FILTER_KEYS:
        raw = (filters or {}).get(key)
        if raw is None:
            continue
        values = raw if isinstance(raw, list | tuple | set) else [raw]
        cleaned = [str(v).strip()[:120] for v in values if str(v).strip()][:20]
        if key in ("date_from", "date_to"):
            cleaned = [v for v in cleaned if _date_int(v) is not None][:1]
        if key == STATUS_FILTER:
            cleaned = [v for v in cleaned if v in STATUSES]
        if cleaned:
            result[key] = cleaned
    return result


def _date_int(value) -> int | None:
    if isinstance(value, date):
        return value.year * 10_000 + value.month * 100 + value.day
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", str(value).strip())
    if not m:
        return None
    try:
        parsed = date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return None
    return parsed.year * 10_000 + parsed.month * 100 + parsed.day


def _filter_query(filters: dict[str, list[str]]):
    clauses = []
    for key, values in filters.items():
        if key in FILTER_FIELDS:
            terms = [Term(FILTER_FIELDS[key], value) for value in values]
            clauses.append(terms[0] if len(terms) == 1 else Or(terms))
    start = _date_int(filters["date_from"][0]) if "date_from" in filters else None
    end = _date_int(filters["date_to"][0]) if "date_to" in filters else None
    if start or end:
        if end and "date_to" in filters and re.fullmatch(r"\d{4}", filters["date_to"][0]):
            end += 1130  # "2019" as an end means the end of 2019
        clauses.append(NumericRange("date", start, end))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else And(clauses)


# --- the entry point -------------------------------------------------------------------


def search(
    user,
    q: str,
    *,
    mode: str = "search",
    filters: dict | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchResult:
    """Search what ``user`` may see; never raises for any user input.

    ``mode="search"`` reads the search box syntax (``portal.search.query``); ``"describe"``
    treats ``q`` as a case description (any word, no syntax). ``filters``: keys of
    ``FILTER_KEYS``, each a string or a list of strings (ORed within a key). An empty ``q``
    with filters lists the filtered resources (newest first unless sorted otherwise).
    """
    arguments = {"mode": mode, "filters": filters, "sort": sort, "page": page}
    # The user behind Flask-Login's proxy: a search reads the user's attributes often.
    user = getattr(user, "_get_current_object", lambda: user)()
    try:
        return _search(user, q, per_page=per_page, **arguments)
    except FileNotFoundError:
        # A writer merged away segment files between this thread's check for changes and
        # their first use (``Snapshot.prepare`` narrows that to milliseconds): once more.
        logger.info("The search index changed under a search; searching again")
        current_app.extensions["search_index"].close()
        return _search(user, q, per_page=per_page, **arguments)


def _search(user, q: str, *, mode: str, filters, sort: str, page: int, per_page: int):
    mode = mode if mode in MODES else "search"
    sort = sort if sort in SORTS else "relevance"
    per_page = min(max(int(per_page or 20), 1), MAX_PER_PAGE)
    page = min(max(int(page or 1), 1), MAX_PAGE)
    q = q or ""
    filters_ = normalise_filters(filters)
    result = SearchResult(
        query=q, mode=mode, sort=sort, page=page, per_page=per_page, filters=filters_
    )
    audiences = user_audiences(user)
    if not audiences:
        return result

    search_index = current_app.extensions["search_index"]
    catch_up(search_index)
    snap = search_index.snapshot()
    searcher = snap.searcher
    if len(snap.frequencies) > FREQUENCY_CACHE:
        snap.frequencies.clear()
    compiler = Compiler(searcher.reader(), snap.frequencies, snap.segments)

    # Every status the viewer may see, narrowed by the filters; the status filter comes last
    # so that the status facet can count the other statuses.
    allowed_any = snap.visible_mask(audiences, statuses=None)
    filter_query = _filter_query(filters_)
    if filter_query is not None:
        allowed_any = allowed_any & snap.filter_mask(filter_query)
    in_status = snap.visible_mask(audiences, filters_.get(STATUS_FILTER, DEFAULT_STATUSES))

    parsed: ParsedQuery | None = None
    if mode == "describe":
        query = compiler.describe(q)
    else:
        parsed = parse(q)
        result.notes = list(dict.fromkeys(parsed.notes))
        query = compiler.compile(parsed)

    if query is None:
        if not filters_ or (parsed is not None and not parsed.is_empty):
            return result  # nothing to search for (empty, stop words only, syntax only)
        if sort == "relevance":
            sort = result.sort = "newest"  # browsing by filters alone
    ranked = _rank(snap, query, allowed_any, in_status, sort)
    if not ranked.docnums.size and parsed is not None and len(parsed.groups) > 1:
        any_query = compiler.compile(parsed, any_word=True)
        any_ranked = _rank(snap, any_query, allowed_any, in_status, sort)
        if any_ranked.docnums.size:
            query, ranked = any_query, any_ranked
            result.any_word_fallback = True

    result.total = int(ranked.docnums.size)
    matched = np.zeros(snap.engine().size, dtype=bool)
    matched[ranked.docnums] = True
    result.facets = _facets(snap, matched, filters_)
    status_facet = _status_facet(snap, ranked.everything, filters_)
    if status_facet:
        result.facets[STATUS_FILTER] = status_facet
    if parsed is not None and (result.total == 0 or result.any_word_fallback):
        allowed = frozenset(np.flatnonzero(allowed_any & in_status).tolist())
        visible = snap.visible_docs(audiences, statuses=None)
        visible_mask = snap.visible_mask(audiences, statuses=None)
        result.suggestion = _suggest(snap, compiler, parsed, allowed, visible, visible_mask)
    # Only the page's hits become Whoosh results: highlighting loads data for each of them.
    page_docnums = ranked.docnums[(page - 1) * per_page : page * per_page].tolist()
    top_n = [
        (float(ranked.scores[d]) if ranked.scores is not None else 0.0, d) for d in page_docnums
    ]
    results = Results(searcher, query, top_n)
    if query is not None:
        _record_matched_terms(results, query, ranked.terms, compiler.highlight)
    result.hits = _load_hits(user, results[:], query is not None)
    return result


@dataclass
class _Ranked:
    #: Document numbers of the matches in the statuses asked for, in result order.
    docnums: np.ndarray
    #: Scores by document number (None when browsing without a query).
    scores: np.ndarray | None
    #: Every match the viewer may see, whatever its status (for the status facet).
    everything: np.ndarray
    #: Document numbers of each term the engine read (see ``Scored.terms``).
    terms: dict = field(default_factory=dict)


def _rank(snap, query, allowed_any: np.ndarray, in_status: np.ndarray, sort: str) -> _Ranked:
    """Rank every allowed match (no limit: totals and facets are exact).

    The array engine scores every posting as Whoosh would, but a term's postings at a time
    (see ``portal.search.engine``); ranking only a top page would not save the counting.
    """
    engine = snap.engine()
    if query is None:
        return _Ranked(engine.rank(None, allowed_any & in_status, sort), None, allowed_any)
    scored = snap.scored(query)
    everything = scored.matched & allowed_any
    docnums = engine.rank(scored, everything & in_status, sort)
    return _Ranked(docnums, scored.scores, everything, scored.terms)


def _record_matched_terms(results, query, known: dict | None = None, extra=()) -> None:
    """Record which of the query's terms each hit left in ``results`` contains.

    What ``search(terms=True)`` records for every match, for the page's hits only, so "why it
    matched" and pinpoint snippets work. ``known``: the sorted document numbers of terms the
    engine has read already (``Scored.terms``); other terms (in phrases) are looked up in
    their postings. A phrase's words count as matched where they occur, even apart.
    ``extra``: queries whose terms are recorded too (highlighting only, see ``Compiler``).
    """
    known = known or {}
    reader = results.searcher.reader()
    docnums = sorted(docnum for _, docnum in results.top_n)
    docterms: dict[int, list] = {docnum: [] for docnum in docnums}
    termdocs: dict[tuple, list[int]] = {}
    on_page = None
    if docnums:
        # The terms the engine read exist; a case description (``Combined``) names its
        # terms only there.
        terms = dict.fromkeys(key for key in known if key[0] in MATCH_LABELS)
        terms.update(dict.fromkeys(_existing_terms(query, reader, known)))
        for q in extra:
            terms.update(dict.fromkeys(_existing_terms(q, reader, known)))
        for fieldname, btext in terms:
            ids = known.get((fieldname, btext))
            if ids is not None:
                if on_page is None:  # a mask of the page's documents: a lookup per posting
                    on_page = np.zeros(results.searcher.doc_count_all(), dtype=bool)
                    on_page[docnums] = True
                found = sorted(set(ids[on_page[ids]].tolist()))
                for docnum in found:
                    docterms[docnum].append((fieldname, btext))
                termdocs[(fieldname, btext)] = found
                continue
            postings = reader.postings(fieldname, btext)
            found = []
            for docnum in docnums:
                if postings.is_active() and postings.id() < docnum:
                    postings.skip_to(docnum)
                if not postings.is_active():
                    break
                if postings.id() == docnum:
                    found.append(docnum)
                    docterms[docnum].append((fieldname, btext))
            termdocs[(fieldname, btext)] = found
    _keep_rarest(docterms, termdocs, known)
    results.docterms = docterms
    results.termdocs = termdocs


def _keep_rarest(docterms: dict[int, list], termdocs: dict[tuple, list[int]], known: dict):
    """Highlight at most ``HIGHLIGHT_TERMS`` words per hit and field: the rarest in the index.

    A case description matches a hit with dozens of words; finding where each of them occurs
    in every hit cost more than the search itself, and a snippet shows the telling ones.
    Terms the engine did not read (phrases) count as rarest.
    """

    def frequency(key: tuple) -> int:
        ids = known.get(key)
        return 0 if ids is None else len(ids)

    for docnum, keys in docterms.items():
        by_field: dict[str, list[tuple]] = {}
        for key in keys:
            by_field.setdefault(key[0], []).append(key)
        if all(len(found) <= HIGHLIGHT_TERMS for found in by_field.values()):
            continue
        kept = set()
        for found in by_field.values():
            kept.update(sorted(found, key=frequency)[:HIGHLIGHT_TERMS])
        docterms[docnum] = [key for key in keys if key in kept]
        for key in keys:
            if key not in kept:
                termdocs[key].remove(docnum)


def _existing_terms(query, reader, known: dict):
    """(field, bytes) of the query's terms in "why it matched" fields that the index holds.

    As ``Query.existing_terms``, but the terms the engine has read (``known``) need no
    lookup in every segment.
    """
    schema = reader.schema
    for leaf in query.leaves():
        for fieldname, text in leaf.terms(phrases=True):
            if fieldname not in MATCH_LABELS or fieldname not in schema:
                continue
            try:
                btext = schema[fieldname].to_bytes(text)
            except ValueError:
                continue
            if (fieldname, btext) in known or (fieldname, btext) in reader:
                yield fieldname, btext


def catch_up(search_index) -> None:
    """Searches apply no index tasks (totals must not grow while one pages through results):
    a backlog a crashed or locked-out writer left behind wakes the background drainer."""
    try:
        outbox.drainer.wake_if_pending(current_app._get_current_object())
    except Exception:
        logger.exception("Waking the index drainer during a search failed")


# --- facets ----------------------------------------------------------------------------


def _count_array(snap, fieldname: str, matched: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (sorted) values of a facet field and how many ``matched`` documents have each."""
    values, doc_ids, value_ids = snap.facet_postings(fieldname)
    return values, np.bincount(value_ids[matched[doc_ids]], minlength=len(values))


def _counts(snap, fieldname: str, matched: np.ndarray) -> tuple[list[str], list[int]]:
    values, counts = _count_array(snap, fieldname, matched)
    return values.tolist(), counts.tolist()


def _facets(
    snap, matched: np.ndarray, filters: dict[str, list[str]]
) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    for name in FACETS:
        values, counts = _count_array(snap, FILTER_FIELDS[name], matched)
        if name in FACET_VALUES:
            # Only values a matched resource cites at that level (never a parent key that
            # only hidden resources cite), counted with the provisions within.
            _, cited = _count_array(snap, FACET_VALUES[name], matched)
            positions = snap.value_positions(FACET_VALUES[name], FILTER_FIELDS[name])
            keep = np.zeros(len(values) + 1, dtype=bool)  # the last: values not in the field
            keep[positions[np.flatnonzero(cited)]] = True
            counts = np.where(keep[:-1], counts, 0)
        selected = set(filters.get(name, []))
        present = np.flatnonzero(counts)  # in value order (values are sorted)
        if name == "year":
            order = present[::-1]
        else:
            order = present[np.argsort(-counts[present], kind="stable")]
        chosen = order[:FACET_LIMIT].tolist()
        if selected:
            chosen += [i for i in order[FACET_LIMIT:].tolist() if values[i] in selected]
        shown = [(str(values[i]), int(counts[i])) for i in chosen]
        facets[name] = [FacetValue(v, v, count, v in selected) for v, count in shown]
    _label_facets(snap, facets)
    return facets


def _status_facet(snap, everything, filters) -> list[FacetValue]:
    """Counts per workflow status, when the matches include more than published resources."""
    selected = set(filters.get(STATUS_FILTER, DEFAULT_STATUSES))
    items = []
    for value, count in zip(*_counts(snap, "status", everything), strict=True):
        if count or value in selected:
            items.append(
                FacetValue(value, str(STATUSES.get(value, value)), count, value in selected)
            )
    if not filters.get(STATUS_FILTER) and {v.value for v in items if v.count} <= selected:
        return []  # only published matches and no status asked for: nothing to choose
    order = list(STATUSES)
    items.sort(key=lambda v: order.index(v.value) if v.value in order else len(order))
    return items


def _label_facets(snap, facets: dict[str, list[FacetValue]]) -> None:
    """Set the labels; those read from the database are cached with the index snapshot."""
    static = {
        "type": RESOURCE_TYPES,
        "legal_area": LEGAL_AREAS,
        "language": LANGUAGES,
        "court_level": COURT_LEVELS,
        **{f.name: f.choices for f in FACET_FIELDS},
    }
    for name, table in static.items():
        for v in facets.get(name, []):
            v.label = str(table.get(v.value, v.value))

    queries = {
        "court": lambda keys: (
            (str(i), short or name)
            for i, name, short in db.session.execute(
                select(Court.id, Court.name, Court.short_name).where(
                    Court.id.in_([int(k) for k in keys if k.isdigit()])
                )
            )
        ),
        "organisation": lambda keys: (
            (str(i), short or name)
            for i, name, short in db.session.execute(
                select(Organisation.id, Organisation.name, Organisation.short_name).where(
                    Organisation.id.in_([int(k) for k in keys if k.isdigit()])
                )
            )
        ),
        # The label follows from the key ("AufenthG § 25 Abs. 4a" -> "§ 25 Abs. 4a AufenthG"),
        # no query needed.
        "norm": lambda keys: (
            (key, norm.label if (norm := Norm.from_key(key)) else key) for key in keys
        ),
    }
    # Court, organisation and norm labels change only with a reindex of the resources that
    # show them, which opens a new snapshot (and so empties this cache).
    labels = snap.labels
    for name, read in queries.items():
        items = facets.get(name, [])
        missing = [v.value for v in items if (name, v.value) not in labels]
        if missing:
            found = dict(read(missing))
            with snap.lock:
                for key in missing:
                    labels[(name, key)] = found.get(key, key)
        for v in items:
            v.label = labels.get((name, v.value), v.value)


def filters_in_words(filters: dict, facets: dict[str, list[FacetValue]]) -> list[tuple[str, str]]:
    """(label, values) of each filter set, values named as the facets name them."""
    named = {(name, v.value): v.label for name, values in facets.items() for v in values}
    words = []
    for name in FILTER_KEYS:
        values = filters.get(name)
        if not values:
            continue
        if isinstance(values, (str, date)):
            values = [values]
        shown = [
            format_date(v) if isinstance(v, date) else named.get((name, str(v)), str(v))
            for v in values
        ]
        words.append((str(FACET_LABELS.get(name, name)), ", ".join(shown)))
    return words


# --- did you mean ----------------------------------------------------------------------


def _visible_count(searcher, query, allowed: set[int]) -> int:
    if query is None:
        return 0
    return sum(1 for docnum in searcher.docs_for_query(query) if docnum in allowed)


def _suggest(
    snap,
    compiler: Compiler,
    parsed: ParsedQuery,
    allowed: set[int],
    visible: frozenset[int],
    visible_mask: np.ndarray,
) -> str | None:
    """A corrected query string, built only from words in documents the viewer may see.

    ``allowed``: the documents the search may find (filters applied); ``visible``: every
    document the viewer may see (also as a mask: candidates are ranked by how often those
    documents use them). A word found in ``visible`` is never replaced (only the
    filters keep it out), nor is a law book or court ("EGMR" never becomes "EMRK"). Words
    are suggested as the viewer's documents write them ("Zwangsprostitution", "EGMR").
    """
    searcher = snap.searcher
    text = parsed.raw
    changed = False
    for word in parsed.words()[:6]:
        word_query = compiler.words(word)
        if word_query is None or _visible_count(searcher, word_query, visible):
            continue  # stop word, or the word is fine
        if _is_legal_term(word):
            continue
        lowered = word.lower()
        try:
            corrector = snap.corrector("spell", visible_mask)
            candidates = corrector.suggest(lowered, limit=8, maxdist=2, prefix=1)
        except Exception:
            logger.exception("Spelling suggestions failed for %r", word)
            candidates = []
        for candidate in candidates:
            if candidate == lowered or not analyse(candidate):
                continue
            # A candidate counts only if a document the viewer may see contains it.
            if _visible_count(searcher, compiler.words(candidate), allowed):
                written = written_form(snap, candidate, visible_mask)
                if word[:1].isupper() and written.islower():
                    written = written[:1].upper() + written[1:]
                text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", written, text, count=1)
                changed = True
                break
    if not changed:
        return None
    corrected = compiler.compile(parse(text))
    if _visible_count(searcher, corrected, allowed) == 0:
        corrected = compiler.compile(parse(text), any_word=True)
        if _visible_count(searcher, corrected, allowed) == 0:
            return None
    return text


def _is_legal_term(word: str) -> bool:
    """A law book ("EMRK", "StGB") or a court ("EGMR", "BGH") by its abbreviation or name."""
    return canonical_book(word) is not None or find_court(word) is not None


# --- hits and snippets -----------------------------------------------------------------


class MarkFormatter(highlight.Formatter):
    """Escapes the text and wraps matches in ``<mark>``."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"


def _clean_html(html: str) -> Markup:
    # Belt and braces: whatever the highlighter produced, only <mark> survives.
    return Markup(nh3.clean(html, tags={"mark"}, attributes={}))  # noqa: S704


def _field_text(resource, fieldname: str) -> str:
    if fieldname == "attachments":
        return attachment_text(resource)
    return getattr(resource, fieldname) or ""


def _plain_snippet(text: str, length: int = 240) -> Markup:
    text = " ".join(text.split())
    if len(text) > length:
        text = text[:length].rsplit(" ", 1)[0] + " …"
    return escape(text)


def _fields_hit(hit, scored: bool) -> set[str]:
    """Index fields in which the hit contains a term of the query."""
    if scored and hit.results.has_matched_terms():
        return {name for name, _ in hit.matched_terms()}
    return set()


def _load_hits(user, page_hits, scored: bool) -> list[Hit]:
    """The page's resources with their courts, in one query (two with attachment snippets).

    Their norms are not loaded: a hit shows none, and the API asks for their labels alone
    (``portal.api.representation``); a second query for the norm rows cost a tenth of a
    search.
    """
    ids = [int(hit["id"]) for hit in page_hits]
    if not ids:
        return []
    fields_hit = [_fields_hit(hit, scored) for hit in page_hits]
    # Attachment texts can be long: loaded only for hits whose snippet may come from them.
    with_attachments = {
        i for i, names in zip(ids, fields_hit, strict=True) if "attachments" in names
    }
    resources = {
        r.id: r
        for r in db.session.scalars(
            select(Resource).where(Resource.id.in_(ids)).options(joinedload(Resource.court))
        )
    }
    if with_attachments:
        db.session.scalars(
            select(Resource)
            .where(Resource.id.in_(with_attachments))
            .options(selectinload(Resource.attachments).undefer(Attachment.text))
        ).all()
    # Where each hit's title and snippet will likely come from: word positions are read
    # for those fields of those hits only (a snippet takes the first field with a match).
    wanted: dict[str, set[int]] = {}
    for hit, names in zip(page_hits, fields_hit, strict=True):
        for name in [n for n in SNIPPET_FIELDS if n in names][:2]:
            wanted.setdefault(name, set()).add(hit.docnum)
            if name != "title":
                break
    hits = []
    labels: dict[str, str] = {}  # translated once per page, not once per hit
    for hit, names in zip(page_hits, fields_hit, strict=True):
        resource = resources.get(int(hit["id"]))
        if resource is None or not can_view(user, resource):
            # The index lags behind the database for a moment: never show what the viewer
            # may not see now.
            logger.info("Search hit %s skipped: gone or hidden", hit["id"])
            continue
        matched_fields = [
            labels.get(name) or labels.setdefault(name, str(MATCH_LABELS[name]))
            for name in MATCH_LABELS
            if name in names
        ]
        hits.append(_make_hit(hit, resource, names, wanted, list(dict.fromkeys(matched_fields))))
    return hits


def _make_hit(
    hit, resource, fields_hit: set[str], wanted: dict[str, set[int]], matched_fields: list[str]
) -> Hit:
    results = hit.results
    results.formatter = MarkFormatter()
    title_html = None
    snippet, snippet_field = None, "summary"
    if "title" in fields_hit:
        results.fragmenter = highlight.PinpointFragmenter(maxchars=600, surround=600)
        title_html = _highlight(hit, "title", resource.title, wanted)
    short = highlight.PinpointFragmenter(maxchars=SHORT_TEXT, surround=SHORT_TEXT)
    passage = highlight.PinpointFragmenter(maxchars=220, surround=70, autotrim=True)
    for name in SNIPPET_FIELDS[1:]:
        if name in fields_hit:
            text = _field_text(resource, name)
            # Short texts are shown whole (trimming would cut their first and last word).
            results.fragmenter = short if len(text) <= SHORT_TEXT else passage
            snippet = _highlight(hit, name, text, wanted, top=2)
            if snippet:
                snippet_field = name
                break
    if not snippet:
        snippet = _plain_snippet(resource.summary or resource.body or "")
    return Hit(
        resource=resource,
        score=float(hit.score or 0.0),
        title_html=title_html,
        snippet=snippet,
        snippet_field=snippet_field,
        matched_fields=matched_fields,
    )


def _highlight(hit, fieldname: str, text: str, wanted: dict, top: int = 1) -> Markup | None:
    if not text:
        return None
    try:
        if hit.docnum not in hit.results._char_cache.get(fieldname, ()):
            _load_chars(hit.results, fieldname, wanted.get(fieldname, set()) | {hit.docnum})
        html = hit.highlights(fieldname, text=text, top=top)
    except Exception:  # a snippet is never worth an error page
        logger.exception("Highlighting %s of hit %s failed", fieldname, hit.get("id"))
        return None
    return _clean_html(html) if html else None


def _load_chars(results, fieldname: str, docnums: set[int]) -> None:
    """Where the hits ``docnums`` hold their matched words of a field (pinpoint snippets).

    What Whoosh's highlighter loads itself (``Highlighter._load_chars``) for every hit, read
    from each segment's postings directly, for these hits only and without a scorer per
    term and segment. Hits loaded before keep what they have.
    """
    cache: dict[int, dict[str, list]] = results._char_cache.setdefault(fieldname, {})
    docnums = {docnum for docnum in docnums if docnum not in cache}
    for docnum in docnums:
        cache[docnum] = {}
    leaves = [(leaf.reader(), offset) for leaf, offset in results.searcher.leaf_searchers()]
    ends = [offset + reader.doc_count_all() for reader, offset in leaves]
    from_bytes = results.searcher.schema[fieldname].from_bytes
    for (name, btext), found in results.termdocs.items():
        if name != fieldname:
            continue
        by_leaf: dict[int, list[int]] = {}
        for docnum in sorted(docnums.intersection(found)):
            by_leaf.setdefault(bisect.bisect_right(ends, docnum), []).append(docnum)
        text = from_bytes(btext)
        for leaf, docs in by_leaf.items():
            reader, offset = leaves[leaf]
            local = [docnum - offset for docnum in docs]
            for docnum, chars in characters(reader, fieldname, btext, local).items():
                cache[docnum + offset][text] = chars


# --- similar resources -----------------------------------------------------------------


def more_like_this(user, resource, limit: int = 5) -> list:
    """Up to ``limit`` published resources like ``resource`` that ``user`` may see."""
    audiences = user_audiences(user)
    if resource is None or not audiences:
        return []
    search_index = current_app.extensions["search_index"]
    snap = search_index.snapshot()
    searcher = snap.searcher
    docnum = searcher.document_number(id=str(resource.id))
    text = " ".join([resource.title or "", resource.summary or "", resource.body or ""])
    try:
        key_terms = snap.key_terms("body", text[:20_000], 12)
    except Exception:
        logger.exception("Key terms of resource %s failed", resource.id)
        key_terms = []
    compiler = Compiler(searcher.reader(), snap.frequencies, snap.segments)
    queries = [
        Term(name, term, boost=weight * (2.0 if name == "title" else 1.0))
        for term, weight in key_terms
        for name in ("title", "summary", "body", "topic_text")
        if compiler.has(name, term)
    ]
    # Like resources cite the same sections (whatever Absatz or Satz).
    sections = {row.section_key or row.key for row in resource.norms}
    queries += [Term("norm_tree", key, boost=2.0) for key in sorted(sections)]
    queries += [
        Term("topic", t.replace(",", " ").strip(), boost=1.5) for t in resource.topics or []
    ]
    if not queries:
        return []
    candidates = snap.visible_mask(audiences).copy()
    if docnum is not None:
        candidates[docnum] = False
    engine = snap.engine()
    best = engine.rank(engine.evaluate(Or(queries)), candidates, "relevance")[:limit]
    ids = [int(searcher.stored_fields(int(d))["id"]) for d in best]
    ids = [i for i in ids if i != resource.id]
    # With what a list line shows (court, owner): the page lists them as lines.
    query = select(Resource).where(Resource.id.in_(ids)).options(*LIST_LINE)
    rows = {r.id: r for r in db.session.scalars(query)}
    return [rows[i] for i in ids if i in rows and can_view(user, rows[i])]


def similar_resources(user, resource, limit: int = 5) -> list:
    """Resources to show under "Ähnliche Inhalte" on a resource's page.

    For the resources views (loaded as list lines, ``LIST_LINE``): pass the result as
    ``similar`` to the template and include ``templates/search/_similar.html`` (it renders
    nothing for an empty list). Never raises: a broken index costs the box, not the page.
    """
    try:
        return more_like_this(user, resource, limit=limit)
    except Exception:
        logger.exception("Similar resources for %s failed", getattr(resource, "id", None))
        return []
