"""Complete the relevance judgments by pooling: grade what either system found unjudged.

A query's judgments name the documents someone thought of; a system that finds a relevant
document nobody thought of is counted wrong. Pooling closes that gap the TREC way: every
document in the top ``--depth`` of either system (portal, BM25 reference) of a run that has
no grade yet is graded blind, on the same 0-3 scale, by an assessor who sees the query and the
document but not which system found it.

``pairs`` writes what is to be graded from a results file of ``bench/relevance_bench.py``:
a Markdown file (per query: its text, the documents already judged for calibration, then
the candidates in a fixed shuffled order) and a JSON list of the pairs. Pairs graded
before (any grade, 0 included, in ``bench/relevance/pooling/*-grades.json``) are skipped.

    .venv/bin/python bench/relevance_pool.py pairs bench/results/relevance-X.json \\
        --class civil --prefix bgb- --out /tmp/pool-civil

``merge`` adds a grades file (``{"query id": {"document id": grade}}``, zeros included) to
the judgments: every grade of 1 or more becomes part of the query's ``relevant`` in its query
file (a grade given before is never overwritten), and the grades file (and a reasons file
beside it, one JSON object a line) are kept under ``bench/relevance/pooling/`` with the name
given, so that the next pooling skips them.

    .venv/bin/python bench/relevance_pool.py merge GRADES.json --reasons REASONS.jsonl \\
        --name 2026-12-03-civil
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import relevance_bench as rb  # noqa: E402 - documents and queries of the benchmark

POOLING = rb.DATA / "pooling"
#: Characters of a document's body shown to the assessor (a LER passage has ~1,600).
SHOWN = 2500
FIELDS = ("title", "court", "file_number", "decision_date", "norms", "legal_areas", "topics")


def graded_before(folder: Path = POOLING) -> dict[str, dict[str, int]]:
    """Every pooled grade so far, zeros included, by query and document."""
    grades: dict[str, dict[str, int]] = {}
    for path in sorted(folder.glob("*-grades.json")):
        for query, docs in json.loads(path.read_text(encoding="utf-8")).items():
            grades.setdefault(query, {}).update(docs)
    return grades


def pool(results: dict, queries: list[dict], depth: int, prefix: str, seed: int) -> dict:
    """Unjudged, ungraded documents in either system's top ``depth``, per query (shuffled)."""
    before = graded_before()
    todo: dict[str, list[str]] = {}
    for query in queries:
        found: set[str] = set()
        for system in ("portal", "bm25"):
            found.update(results["rankings"][system].get(query["id"], [])[:depth])
        known = set(query["relevant"]) | set(before.get(query["id"], {}))
        candidates = sorted(d for d in found - known if d.startswith(prefix))
        random.Random(f"{seed}-{query['id']}").shuffle(candidates)
        if candidates:
            todo[query["id"]] = candidates
    return todo


def describe_document(record: dict) -> str:
    lines = [f"### {record['external_id']}"]
    lines += [f"{name}: {record[name]}" for name in FIELDS if record.get(name)]
    for name in ("summary", "body"):
        text = (record.get(name) or "").strip()
        if text:
            more = f" [... {len(text) - SHOWN} more characters]" if len(text) > SHOWN else ""
            lines.append(f"{name}: {text[:SHOWN]}{more}")
    return "\n".join(lines)


def write_pairs(todo: dict, queries: dict, records: dict, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    parts = []
    for query_id, candidates in todo.items():
        query = queries[query_id]
        parts.append(f"# Query {query_id}\n\n{query['query']}\n")
        parts.append("## Already judged (for calibration; do not re-grade)")
        for doc_id, grade in sorted(query["relevant"].items(), key=lambda item: -item[1]):
            title = records[doc_id]["title"] if doc_id in records else "(not in this run)"
            parts.append(f"- {doc_id} (grade {grade}): {title}")
        parts.append("\n## Candidates to grade\n")
        parts += [describe_document(records[doc_id]) + "\n" for doc_id in candidates]
    (out / "pairs.md").write_text("\n".join(parts), encoding="utf-8")
    (out / "todo.json").write_text(json.dumps(todo, indent=1), encoding="utf-8")
    return sum(len(c) for c in todo.values())


def merge(grades_path: Path, reasons_path: Path | None, name: str) -> tuple[int, int]:
    """Add grades of 1 or more to the query files; keep the grades under pooling/."""
    grades: dict[str, dict[str, int]] = json.loads(grades_path.read_text(encoding="utf-8"))
    for docs in grades.values():
        for doc_id, grade in docs.items():
            if grade not in (0, 1, 2, 3):
                raise SystemExit(f"grade of {doc_id} must be 0-3, not {grade!r}")
    added = 0
    for path in rb.query_files():
        lines = rb._jsonl(path)
        changed = False
        for query in lines:
            for doc_id, grade in grades.get(query["id"], {}).items():
                if grade and doc_id not in query["relevant"]:
                    query["relevant"][doc_id] = grade
                    added += 1
                    changed = True
        if changed:
            text = "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in lines)
            path.write_text(text, encoding="utf-8")
    POOLING.mkdir(exist_ok=True)
    target = POOLING / f"{name}-grades.json"
    if target.exists():
        raise SystemExit(f"{target} exists: choose another --name")
    target.write_text(json.dumps(grades, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if reasons_path:
        shutil.copyfile(reasons_path, POOLING / f"{name}-reasons.jsonl")
    return sum(len(docs) for docs in grades.values()), added


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pairs = commands.add_parser("pairs", help="write the pairs to grade")
    pairs.add_argument("results", type=Path, help="a bench/results/relevance-*.json file")
    pairs.add_argument("--class", dest="cls", required=True, help="query class, e.g. civil")
    pairs.add_argument("--prefix", default="", help="only document ids starting so (bgb-)")
    pairs.add_argument("--depth", type=int, default=rb.K)
    pairs.add_argument("--seed", type=int, default=3, help="of the candidates' order")
    pairs.add_argument("--ler-seed", type=int, default=7, help="the run's --seed")
    pairs.add_argument("--out", type=Path, required=True)
    merging = commands.add_parser("merge", help="add grades to the judgments")
    merging.add_argument("grades", type=Path)
    merging.add_argument("--reasons", type=Path)
    merging.add_argument("--name", required=True, help="e.g. 2026-12-03-civil")
    args = parser.parse_args(argv)

    if args.command == "merge":
        graded, added = merge(args.grades, args.reasons, args.name)
        print(f"{graded} grades kept, {added} added to the judgments")
        return 0
    results = json.loads(args.results.read_text(encoding="utf-8"))
    queries = [q for q in rb.load_queries() if q["class"] == args.cls]
    records = {r["external_id"]: r for r in rb.all_records(results["ler_passages"], args.ler_seed)}
    todo = pool(results, queries, args.depth, args.prefix, args.seed)
    count = write_pairs(todo, {q["id"]: q for q in queries}, records, args.out)
    print(f"{count} pairs for {len(todo)} queries written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
