"""Relevance benchmark: judged queries through the portal's search, beside a plain BM25.

Documents: every BGB section of ../shared/corpora/bgb_sections.jsonl (external ids such as
``bgb-573b``), a seeded sample of LER decision passages (``ler-...``; Leitner, Rehm,
Moreno-Schneider 2019, CC BY 4.0, read at run time) and every ``bench/relevance/*docs*.jsonl``
file (the portal's import format). Queries: every other ``bench/relevance/*.jsonl`` file, one
``{"id", "class", "query", "relevant": {"<external_id>": grade}}`` a line; class ``counselling``
and ``civil`` are case descriptions (searched in describe mode), every other class a look-up
typed into the search box.

The runner builds an instance in a temporary folder, imports the documents through the
portal's import service, builds the real index, and searches as a member of an organisation
(``portal.search.services.search``, 100 hits a page). In the same run, ``bm25s`` with the
German Snowball stemmer and German stop words ranks the same texts (title, summary, body,
file number). Prints nDCG@10, MRR@10 and Recall@100 per class and writes JSON to
bench/results/.

    .venv/bin/python bench/relevance_bench.py [--ler 1000] [--quick] [--tune]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "relevance"
CORPORA = ROOT.parent / "shared" / "corpora"
RESULTS = ROOT / "bench" / "results"
#: Query classes searched in describe mode; every other class is a search-box look-up.
DESCRIBE_CLASSES = ("counselling", "civil")
K = 10
DEPTH = 100


# --- metrics -----------------------------------------------------------------------------


def dcg(gains: list[float]) -> float:
    return sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))


def ndcg_at(ranking: list[str], relevant: dict[str, int], k: int = K) -> float:
    """nDCG@k with linear gains (the grade), as trec_eval's ``ndcg_cut``."""
    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([relevant.get(doc, 0) for doc in ranking[:k]]) / ideal


def mrr_at(ranking: list[str], relevant: dict[str, int], k: int = K) -> float:
    """Reciprocal rank of the first relevant document (grade > 0) in the top k, else 0."""
    for rank, doc in enumerate(ranking[:k], start=1):
        if relevant.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def recall_at(ranking: list[str], relevant: dict[str, int], k: int = DEPTH) -> float:
    """Share of the relevant documents (grade > 0) in the top k."""
    wanted = {doc for doc, grade in relevant.items() if grade > 0}
    if not wanted:
        return 0.0
    return len(wanted & set(ranking[:k])) / len(wanted)


def evaluate(rankings: dict[str, list[str]], queries: list[dict]) -> dict[str, dict]:
    """Mean nDCG@10, MRR@10 and Recall@100 per class (and "all") over ``queries``."""
    per_class: dict[str, list[tuple[float, float, float]]] = {}
    for query in queries:
        ranking = rankings.get(query["id"], [])
        row = (
            ndcg_at(ranking, query["relevant"]),
            mrr_at(ranking, query["relevant"]),
            recall_at(ranking, query["relevant"]),
        )
        per_class.setdefault(query["class"], []).append(row)
        per_class.setdefault("all", []).append(row)
    return {
        name: {
            "queries": len(rows),
            "ndcg@10": statistics.fmean(r[0] for r in rows),
            "mrr@10": statistics.fmean(r[1] for r in rows),
            "recall@100": statistics.fmean(r[2] for r in rows),
        }
        for name, rows in per_class.items()
    }


# --- data --------------------------------------------------------------------------------


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def query_files(folder: Path = DATA) -> list[Path]:
    return sorted(p for p in folder.glob("*.jsonl") if "docs" not in p.name)


def doc_files(folder: Path = DATA) -> list[Path]:
    return sorted(p for p in folder.glob("*.jsonl") if "docs" in p.name)


def load_queries(folder: Path = DATA) -> list[dict]:
    return [q for path in query_files(folder) for q in _jsonl(path)]


def bgb_records() -> list[dict]:
    """Every BGB section as an import record (external id ``bgb-573b``)."""
    return [
        {
            "external_id": "bgb-" + row["id"].removeprefix("BGB_").lower(),
            "type": "training_material",
            "title": row["title"],
            "body": row["text"],
        }
        for row in _jsonl(CORPORA / "bgb_sections.jsonl")
    ]


def ler_records(count: int, seed: int) -> list[dict]:
    """A seeded sample of LER decision passages as case-law import records."""
    rows = _jsonl(CORPORA / "ler_decisions.jsonl")
    sample = random.Random(seed).sample(rows, min(count, len(rows)))
    return [
        {
            "external_id": row["id"],
            "type": "case_law",
            "title": row["title"],
            "body": row["text"],
            "court": row["court"],
        }
        for row in sample
    ]


def bench_records(folder: Path = DATA) -> list[dict]:
    return [r for path in doc_files(folder) for r in _jsonl(path)]


def all_records(ler: int, seed: int) -> list[dict]:
    return bgb_records() + ler_records(ler, seed) + bench_records()


# --- the portal --------------------------------------------------------------------------


class Portal:
    """A portal instance in a temporary folder with the documents imported and indexed."""

    def __init__(self, records: list[dict], folder: Path, reuse: bool = False):
        from portal import create_app
        from portal.auth.models import User
        from portal.extensions import db
        from portal.orgs.models import Organisation
        from portal.resources.transfer import import_lines
        from portal.search.maintenance import rebuild

        self.app = create_app(
            {"ENV_NAME": "test", "RATELIMIT_ENABLED": False}, instance_path=folder / "instance"
        )
        self.context = self.app.app_context()
        self.context.push()
        self.import_seconds = self.index_seconds = 0.0
        if reuse:
            self.user = db.session.scalar(db.select(User).filter_by(email="bench@example.org"))
            return
        db.create_all()
        db.session.add(Organisation(slug="kok", name="KOK Geschäftsstelle", kind="office"))
        member = Organisation(slug="fbs-bench", name="Fachberatungsstelle Bench", kind="member")
        db.session.add(member)
        db.session.flush()
        user = User(email="bench@example.org", name="Bench", organisation_id=member.id)
        user.set_password("Bench Tulpen wachsen leise 42")
        db.session.add(user)
        started = time.perf_counter()
        import_lines(json.dumps(r, ensure_ascii=False) for r in records)
        db.session.commit()
        self.import_seconds = time.perf_counter() - started
        started = time.perf_counter()
        rebuild(self.app.extensions["search_index"], procs=1)
        self.index_seconds = time.perf_counter() - started
        self.user = db.session.get(User, user.id)

    def search(self, query: dict) -> list[str]:
        from portal.search import services

        mode = "describe" if query["class"] in DESCRIBE_CLASSES else "search"
        result = services.search(self.user, query["query"], mode=mode, per_page=DEPTH)
        return [hit.resource.external_id for hit in result.hits]

    def close(self) -> None:
        from portal.extensions import db

        db.session.remove()
        db.engine.dispose()
        self.context.pop()


# --- the reference -----------------------------------------------------------------------


def record_text(record: dict) -> str:
    parts = (record.get(name) or "" for name in ("title", "file_number", "summary", "body"))
    return "\n".join(part for part in parts if part)


class Reference:
    """Plain BM25 (bm25s, Lucene variant, k1 1.5, b 0.75) with German stemming and stop words."""

    def __init__(self, records: list[dict]):
        import bm25s
        import Stemmer

        self.bm25s = bm25s
        self.stemmer = Stemmer.Stemmer("german")
        self.ids = [r["external_id"] for r in records]
        tokens = bm25s.tokenize(
            [record_text(r) for r in records],
            stopwords="de",
            stemmer=self.stemmer,
            show_progress=False,
        )
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)

    def search(self, query: dict) -> list[str]:
        tokens = self.bm25s.tokenize(
            [query["query"]], stopwords="de", stemmer=self.stemmer, show_progress=False
        )
        if not tokens.vocab:
            return []
        k = min(DEPTH, len(self.ids))
        docs, scores = self.retriever.retrieve(tokens, k=k, show_progress=False)
        return [self.ids[int(d)] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


# --- running -----------------------------------------------------------------------------


def run(queries: list[dict], search) -> tuple[dict[str, list[str]], dict[str, list[float]]]:
    """Rankings by query id, and search times in ms by class."""
    rankings, times = {}, {}
    for query in queries:
        started = time.perf_counter()
        rankings[query["id"]] = search(query)
        times.setdefault(query["class"], []).append((time.perf_counter() - started) * 1000)
    return rankings, times


def table(portal: dict, reference: dict) -> str:
    head = f"{'class':<12} {'n':>3}  {'nDCG@10':>15}  {'MRR@10':>15}  {'Recall@100':>15}"
    sub = "  ".join(f"{'portal  BM25':>15}" for _ in range(3))
    lines = [head, f"{'':<12} {'':>3}  {sub}"]
    for name in sorted(portal, key=lambda n: (n == "all", n)):
        p, r = portal[name], reference[name]
        cells = [f"{p[m]:.3f}  {r[m]:.3f}" for m in ("ndcg@10", "mrr@10", "recall@100")]
        lines.append(f"{name:<12} {p['queries']:>3}  " + "  ".join(f"{c:>15}" for c in cells))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ler", type=int, default=1000, help="LER passages (default 1000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="smoke run: few queries, no LER")
    parser.add_argument("--keep", type=Path, help="build the instance in DIR and keep it")
    parser.add_argument("--reuse", type=Path, help="search a kept instance (--keep DIR) again")
    args = parser.parse_args(argv)

    queries = load_queries()
    ler = args.ler
    if args.quick:
        by_class: dict[str, list[dict]] = {}
        for query in queries:
            by_class.setdefault(query["class"], []).append(query)
        queries = [q for items in by_class.values() for q in items[:5]]
        ler = 0
    records = all_records(ler, args.seed)
    print(f"{len(records)} documents, {len(queries)} queries", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="relevance-bench-") as folder:
        folder = args.reuse or args.keep or Path(folder)
        portal = Portal(records, folder, reuse=bool(args.reuse))
        try:
            portal_rankings, portal_times = run(queries, portal.search)
        finally:
            portal.close()
    reference = Reference(records)
    reference_rankings, _ = run(queries, reference.search)

    portal_scores = evaluate(portal_rankings, queries)
    reference_scores = evaluate(reference_rankings, queries)
    print(table(portal_scores, reference_scores))
    medians = {name: statistics.median(ms) for name, ms in portal_times.items()}
    print(
        "portal search (100 hits with snippets), median ms: "
        + ", ".join(f"{name} {ms:.1f}" for name, ms in sorted(medians.items()))
    )
    print(f"import {portal.import_seconds:.1f} s, index {portal.index_seconds:.1f} s")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"relevance-{stamp}{'-quick' if args.quick else ''}.json"
    out.write_text(
        json.dumps(
            {
                "documents": len(records),
                "ler_passages": ler,
                "queries": len(queries),
                "portal": portal_scores,
                "bm25": reference_scores,
                "portal_median_ms": medians,
                "rankings": {"portal": portal_rankings, "bm25": reference_rankings},
            },
            indent=1,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    print(f"written to {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
