"""Compare the portal's search with SQLite FTS5 in the same run, same documents, same queries.

Reuses the corpus and the query mix of ``bench/search_bench.py`` (10,000 documents by default):
every query asks for the top 10 with the total and snippets, (1) in-process through
``portal.search.services.search``, (2) over HTTP (``/api/v1/search``, one gunicorn worker,
bearer token) and (3) from an FTS5 table of the same records (standard library ``sqlite3``:
BM25 with column weights, ``snippet()``, ``count(*)``, the bench user's visibility as a
WHERE clause, filters and dates as columns). The three run one after the other, ``--runs``
times; the report gives the median over runs of each median and p95, and the ratios the
search's speed goals name (issue 9):

- in-process p95 / FTS5 p95 (goal: at most 1)
- HTTP median / FTS5 median (goal: at most 3)
- describe median / one-word median, in-process (goal: at most 2)

``--ids FILE`` writes the portal's top-10 ids of every query (in-process); ``--compare FILE``
checks them against such a file (ranking unchanged by a speed change).

    .venv/bin/python bench/fts5_compare.py --keep DIR        # build an instance, keep it
    .venv/bin/python bench/fts5_compare.py --reuse DIR       # queries only, on a kept instance
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import search_bench as sb  # noqa: E402 - the corpus and the queries of the search bench

PER_PAGE = 10
#: The bench user's organisation (``search_bench.setup_instance``).
BENCH_ORG = "fbs-bench"
_TOKEN = re.compile(r"\w+", re.UNICODE)


# --- FTS5 ----------------------------------------------------------------------------------


def build_fts5(corpus: Path) -> sqlite3.Connection:
    """An in-memory FTS5 table of the corpus texts and a plain table of the other fields."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, summary, body, file_number, norms, court, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.execute(
        "CREATE TABLE meta (id INTEGER PRIMARY KEY, type TEXT, legal_areas TEXT, "
        "norm_keys TEXT, date TEXT, visibility TEXT, status TEXT, organisation TEXT)"
    )
    texts, meta = [], []
    for n, line in enumerate(corpus.open(encoding="utf-8"), start=1):
        r = json.loads(line)
        norms = r.get("norms", [])
        texts.append((n, r["title"], r["summary"], r["body"], r.get("file_number", ""),
                      " ; ".join(norms), r.get("court", "")))  # fmt: skip
        meta.append(
            (
                n,
                r["type"],
                "," + ",".join(r.get("legal_areas", [])) + ",",
                "|" + "|".join(norms) + "|",
                r.get("decision_date") or r.get("published_on") or "",
                r["visibility"],
                r["status"],
                r["organisation"],
            )
        )
    db.executemany("INSERT INTO docs(rowid, title, summary, body, file_number, norms, court) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", texts)  # fmt: skip
    db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)", meta)
    db.execute("CREATE INDEX meta_type_date ON meta (type, date)")
    db.execute("CREATE INDEX meta_date ON meta (date)")
    db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    db.commit()
    return db


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from portal.search.analysis import german_stop_words

    return german_stop_words()


def _quoted(words: list[str]) -> list[str]:
    return ['"' + w.replace('"', "") + '"' for w in words]


def fts5_query(name: str, params: dict) -> tuple[str | None, str, list]:
    """(MATCH expression or None, extra WHERE clause, its parameters) for a bench query."""
    q = params.get("q", "")
    words = _TOKEN.findall(q)
    # Without stop words, as the portal searches (FTS5 has no stop list of its own).
    content = [w for w in dict.fromkeys(w.lower() for w in words) if w not in _stop_words()]
    where, args = [], []
    if name in ("phrase", "file_number", "norm"):
        match = '"' + " ".join(words) + '"'
    elif name == "prefix":
        match = _quoted(words)[0] + "*"
    elif name == "describe":
        match = " OR ".join(_quoted(content)) or '""'
    elif q:
        match = " ".join(_quoted(content)) or '""'
    else:
        match = None
    if "type" in params:
        where.append("type = ?")
        args.append(params["type"])
    if "legal_area" in params:
        where.append("legal_areas LIKE ?")
        args.append(f"%,{params['legal_area']},%")
    if "norm" in params:
        where.append("norm_keys LIKE ?")
        args.append(f"%|{params['norm']}|%")
    if "date_from" in params:
        where += ["date >= ?", "date <= ?"]
        args += [params["date_from"], params["date_to"]]
    # The bench user (a member of fbs-bench) sees published resources for members and its own.
    where.append("status = 'published' AND (visibility = 'members' OR "
                 "(visibility = 'organisation' AND organisation = ?))")  # fmt: skip
    args.append(BENCH_ORG)
    return match, " AND ".join(where), args


def fts5_search(db: sqlite3.Connection, name: str, params: dict) -> tuple[int, list]:
    """Total and top 10 (id, title, snippet) as the portal answers them."""
    match, where, args = fts5_query(name, params)
    # ``where`` holds fixed conditions only; values are bound parameters.
    if match is None:
        join = "meta JOIN docs ON docs.rowid = meta.id"
        order = "meta.date DESC"
    else:
        # CROSS JOIN: the full-text match first, then the other fields (SQLite's planner
        # would otherwise walk the type index and test the match row by row).
        join = "docs CROSS JOIN meta ON meta.id = docs.rowid"
        where = f"docs MATCH ? AND {where}"
        order = "bm25(docs, 4.0, 2.0, 1.0, 4.0, 3.0, 2.0)"
        args = [match, *args]
    shown = (
        "docs.title, substr(docs.summary, 1, 240)"
        if match is None
        else "highlight(docs, 0, '<mark>', '</mark>'), "
        "snippet(docs, -1, '<mark>', '</mark>', ' … ', 24)"
    )
    count = f"SELECT count(*) FROM {join} WHERE {where}"  # noqa: S608
    page = f"SELECT meta.id, {shown} FROM {join} WHERE {where} ORDER BY {order} LIMIT {PER_PAGE}"  # noqa: S608, E501
    total = db.execute(count, args).fetchone()[0]
    return total, db.execute(page, args).fetchall()


# --- the portal ----------------------------------------------------------------------------


class InProcess:
    """The portal's search entry point in this process, as the bench user."""

    def __init__(self, env: dict):
        os.environ.update(env)
        from portal import create_app

        self.app = create_app()
        self.context = self.app.app_context()
        self.context.push()

    def prepare(self, mix):
        from werkzeug.datastructures import MultiDict

        from portal.api import params as api_params
        from portal.auth.models import User
        from portal.extensions import db
        from portal.search import services

        self.services = services
        self.user = db.session.scalar(db.select(User).filter_by(email="bench@example.org"))
        return [
            api_params.parse_search(MultiDict({**p, "per_page": str(PER_PAGE)})) for _, p in mix
        ]

    def search(self, query):
        return self.services.search(
            self.user,
            query.q,
            mode=query.mode,
            filters=query.filters,
            sort=query.sort,
            per_page=query.per_page,
        )


# --- measuring -----------------------------------------------------------------------------


def timed(mix, run) -> dict[str, list[float]]:
    """Seconds per query class for ``run(i, name, params)`` over the whole mix."""
    by_class: dict[str, list[float]] = {}
    for i, (name, params) in enumerate(mix):
        started = time.perf_counter()
        run(i, name, params)
        by_class.setdefault(name, []).append(time.perf_counter() - started)
    return by_class


def summary(by_class: dict[str, list[float]]) -> dict[str, tuple[float, float]]:
    """(median ms, p95 ms) per class and for ALL."""
    out = {
        name: (statistics.median(v) * 1000, sb.percentile(v, 95) * 1000)
        for name, v in sorted(by_class.items())
    }
    everything = [x for v in by_class.values() for x in v]
    out["ALL"] = (statistics.median(everything) * 1000, sb.percentile(everything, 95) * 1000)
    return out


def median_of_runs(runs: list[dict]) -> dict[str, tuple[float, float]]:
    return {
        name: (
            statistics.median(r[name][0] for r in runs),
            statistics.median(r[name][1] for r in runs),
        )
        for name in runs[0]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="Build the instance in this folder and keep it.")
    parser.add_argument("--reuse", help="Measure on an instance kept with --keep.")
    parser.add_argument("--ids", help="Write the portal's top-10 ids per query to this file.")
    parser.add_argument("--compare", help="Compare the top-10 ids with a file from --ids.")
    parser.add_argument("--profile", help="Then cProfile these query classes (comma-separated).")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fts5-compare-") as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        built = sb.build_corpus(corpus, options.docs, options.seed)
        mix = sb.query_mix(random.Random(options.seed), built["zipf"], corpus)
        if options.reuse:
            env, _, token = sb.reuse_instance(options.reuse)
        else:
            instance = options.keep or str(Path(tmp) / "instance")
            env, figures, token = sb.setup_instance(instance, corpus, options.docs)
            print(f"import {figures['import_s']:.1f} s, reindex {figures['reindex_s']:.1f} s")
        started = time.perf_counter()
        fts = build_fts5(corpus)
        print(
            f"{options.docs} documents, {len(mix)} queries (top {PER_PAGE}, total, snippets); "
            f"FTS5 table built in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

        portal = InProcess(env)
        queries = portal.prepare(mix)
        server, port = sb.start_server(env)
        api = sb.Api(port, token)
        top_ids: list[list[int]] = [[] for _ in mix]

        def in_process(i, name, params):
            top_ids[i] = [hit.resource.id for hit in portal.search(queries[i]).hits]

        def over_http(i, name, params):
            api.get("/api/v1/search", {**params, "per_page": PER_PAGE})

        def fts5(i, name, params):
            fts5_search(fts, name, params)

        runs: dict[str, list[dict]] = {"in-process": [], "HTTP": [], "FTS5": []}
        try:
            for i, (name, params) in enumerate(mix[:20]):  # warm up: searchers, caches
                in_process(i, name, params)
                over_http(i, name, params)
                fts5(i, name, params)
            for n in range(options.runs):
                for label, run in (("in-process", in_process), ("HTTP", over_http),
                                   ("FTS5", fts5)):  # fmt: skip
                    runs[label].append(summary(timed(mix, run)))
                print(f"  run {n + 1}: " + ", ".join(
                    f"{label} {r[-1]['ALL'][0]:.1f} / {r[-1]['ALL'][1]:.1f} ms"
                    for label, r in runs.items()
                ), flush=True)  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(report(options, {label: median_of_runs(r) for label, r in runs.items()}))
        check_ids(options, mix, top_ids)
        for name in (options.profile or "").split(","):
            if name:
                print(f"\n--- cProfile: {name} ---")
                print(sb.profile_class(env, mix, name))


def report(options, figures: dict[str, dict[str, tuple[float, float]]]) -> str:
    portal, http, fts = figures["in-process"], figures["HTTP"], figures["FTS5"]
    lines = [
        f"\nmedian / p95 in ms (median of {options.runs} runs), {options.docs} documents",
        f"{'class':<12} {'in-process':>16} {'HTTP':>16} {'FTS5':>16}",
    ]
    for name in portal:
        lines.append(
            f"{name:<12} {portal[name][0]:>7.1f} / {portal[name][1]:>6.1f} "
            f"{http[name][0]:>7.1f} / {http[name][1]:>6.1f} "
            f"{fts[name][0]:>7.1f} / {fts[name][1]:>6.1f}"
        )
    ratios = [
        ("in-process p95 / FTS5 p95", portal["ALL"][1] / fts["ALL"][1], "<= 1"),
        ("HTTP median / FTS5 median", http["ALL"][0] / fts["ALL"][0], "<= 3"),
        ("describe / word median (in-process)", portal["describe"][0] / portal["word"][0], "<= 2"),
        ("describe / word median (HTTP)", http["describe"][0] / http["word"][0], "<= 2"),
    ]
    lines.append("")
    lines += [f"{label:<38} {value:>5.2f}  (goal {goal})" for label, value, goal in ratios]
    return "\n".join(lines)


def check_ids(options, mix, top_ids: list[list[int]]) -> None:
    entries = [
        {"class": name, "params": params, "ids": ids}
        for (name, params), ids in zip(mix, top_ids, strict=True)
    ]
    if options.ids:
        Path(options.ids).write_text(json.dumps(entries, ensure_ascii=False, indent=1))
        print(f"top-10 ids written to {options.ids}")
    if options.compare:
        before = json.loads(Path(options.compare).read_text())
        differ = [
            (a["class"], a["params"].get("q", ""), a["ids"], b["ids"])
            for a, b in zip(before, entries, strict=True)
            if a["ids"] != b["ids"]
        ]
        print(f"top-10 ids: {len(entries) - len(differ)} of {len(entries)} queries identical")
        for name, q, a, b in differ[:10]:
            print(f"  {name} {q[:50]!r}: {a} -> {b}")


if __name__ == "__main__":
    main()
