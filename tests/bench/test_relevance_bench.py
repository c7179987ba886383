"""The relevance benchmark's metrics and data (bench/relevance_bench.py, bench/relevance/)."""

import importlib.util
import json
import math
from pathlib import Path

import pytest

from portal.resources.records import RecordContext, read_record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "relevance_bench", ROOT / "bench/relevance_bench.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_metrics_score_a_known_ranking(bench):
    relevant = {"a": 3, "b": 1, "c": 2, "z": 1}
    ranking = ["x", "c", "y", "a"] + [f"n{i}" for i in range(100)] + ["z"]
    # DCG of the ranking: 2 at rank 2 and 3 at rank 4; ideal: 3, 2, 1, 1.
    dcg = 2 / math.log2(3) + 3 / math.log2(5)
    ideal = 3 + 2 / math.log2(3) + 1 / math.log2(4) + 1 / math.log2(5)
    assert bench.ndcg_at(ranking, relevant) == pytest.approx(dcg / ideal)
    assert bench.ndcg_at(["a", "c", "b", "z"], relevant) == pytest.approx(1.0)
    assert bench.ndcg_at([], relevant) == 0.0
    assert bench.mrr_at(ranking, relevant) == 0.5
    assert bench.mrr_at(["n"] * 10 + ["a"], relevant) == 0.0  # beyond the top 10
    # b is missing, z is at rank 105: 2 of 4 in the top 100.
    assert bench.recall_at(ranking, relevant) == 0.5
    scores = bench.evaluate(
        {"q1": ["a"], "q2": []},
        [
            {"id": "q1", "class": "civil", "relevant": {"a": 1}},
            {"id": "q2", "class": "civil", "relevant": {"a": 1}},
        ],
    )
    assert scores["civil"] == {"queries": 2, "ndcg@10": 0.5, "mrr@10": 0.5, "recall@100": 0.5}


def test_the_benchmark_data_parses_and_every_judged_document_exists(
    app, office, bench, shared_corpus
):
    shared_corpus("bgb_sections.jsonl")
    shared_corpus("ler_decisions.jsonl")
    queries = bench.load_queries()
    documents = bench.bench_records()
    known = {r["external_id"] for r in documents + bench.bgb_records()}
    assert len(known) == len(documents) + 2377
    # LER passages are judged where pooling found them: those of the default sample.
    known |= {r["external_id"] for r in bench.ler_records(1000, 7)}
    described = [q for q in queries if q["class"] in bench.DESCRIBE_CLASSES]
    assert len(described) >= 60
    assert len({q["id"] for q in queries}) == len(queries)
    for query in queries:
        assert set(query) == {"id", "class", "query", "relevant"}, query["id"]
        assert query["query"].strip() and query["relevant"], query["id"]
        assert set(query["relevant"]) <= known, query["id"]
        assert all(grade in (1, 2, 3) for grade in query["relevant"].values()), query["id"]
    with app.app_context():
        context = RecordContext.load()
        for record in documents:
            canonical, errors = read_record(json.loads(json.dumps(record)), context)
            assert not errors, (record["external_id"], errors)
