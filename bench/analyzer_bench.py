"""Speed of the German analyzer against Whoosh's StandardAnalyzer and LanguageAnalyzer("de").

Run from the repository root: ``.venv/bin/python bench/analyzer_bench.py [passages]``

Input: the first 2,000 passages of the LER corpus (German federal court decisions, LER dataset
by Leitner, Rehm and Moreno-Schneider, CC BY 4.0) from ../shared/corpora/. Speed is counted in
input words per second (matches of the analyzer's token pattern), so the analyzers are compared
on the same work whatever they emit; medians of 5 runs, caches warm unless stated.
"""

import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import Stemmer  # noqa: E402
from whoosh.analysis import LanguageAnalyzer, StandardAnalyzer  # noqa: E402
from whoosh.lang import stemmer_for_language  # noqa: E402

from portal.search import analysis  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "ler_decisions.jsonl"
RUNS = 5


def load(limit):
    with CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for _, line in zip(range(limit), lines, strict=False)]


def timed(analyzer, texts, before_run=None):
    """Return (median seconds, terms emitted) over RUNS runs."""
    seconds = []
    emitted = 0
    for _ in range(RUNS):
        if before_run:
            before_run()
        started = time.perf_counter()
        emitted = sum(1 for text in texts for _ in analyzer(text))
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), emitted


def clear_caches():
    analysis.stem_term.cache_clear()
    analysis.split_compound.cache_clear()


class _WhooshStemmer:
    """Whoosh's pure-Python German Snowball stemmer behind PyStemmer's interface."""

    stemWord = staticmethod(stemmer_for_language("de"))  # noqa: N815 - PyStemmer's name


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    texts = load(limit)
    words = sum(len(re.findall(analysis.TOKEN_PATTERN, text)) for text in texts)
    print(f"{len(texts)} LER passages, {words:,} words, medians of {RUNS} runs")
    print()

    german = analysis.german_analyzer()
    german(texts[0])  # load word lists
    rows = [
        ("StandardAnalyzer()", StandardAnalyzer(), None),
        ('LanguageAnalyzer("de")', LanguageAnalyzer("de"), None),
        ("german_analyzer()", german, None),
        ("german_analyzer(), cold caches", german, clear_caches),
        ("german_analyzer(), query mode", lambda text: german(text, mode="query"), None),
        ("keyword_analyzer()", analysis.keyword_analyzer(), None),
    ]
    results = {}
    print(f"{'analyzer':34} {'words/s':>11} {'terms':>9} {'vs Standard':>12}")
    for name, analyzer, before_run in rows:
        seconds, emitted = timed(analyzer, texts, before_run)
        results[name] = seconds
        ratio = results["StandardAnalyzer()"] / seconds
        print(f"{name:34} {words / seconds:11,.0f} {emitted:9,} {ratio:11.2f}x")

    # The stemmer alone, uncached, over the folded vocabulary of the passages.
    vocabulary = sorted(
        {
            analysis.fold(t.text)
            for text in texts
            for t in analysis.spelling_analyzer()(text)
            if t.text.isalpha()
        }
    )
    py_stemmer = Stemmer.Stemmer("german")
    py_stemmer.maxCacheSize = 0
    whoosh_stem = stemmer_for_language("de")
    print()
    print(f"Stemming {len(vocabulary):,} distinct words once each (no cache):")
    timings = {}
    for name, stem in (("PyStemmer (C)", py_stemmer.stemWord), ("whoosh (Python)", whoosh_stem)):
        runs = []
        for _ in range(RUNS):
            started = time.perf_counter()
            for word in vocabulary:
                stem(word)
            runs.append(time.perf_counter() - started)
        timings[name] = statistics.median(runs)
        print(f"  {name:16} {len(vocabulary) / timings[name]:12,.0f} words/s")
    speedup = timings["whoosh (Python)"] / timings["PyStemmer (C)"]
    print(f"  PyStemmer is {speedup:.1f}x faster")
    differ = sum(py_stemmer.stemWord(w) != whoosh_stem(w) for w in vocabulary)
    print(f"  stems that differ between the two: {differ:,} of {len(vocabulary):,}")

    # The whole analyzer with whoosh's stemmer instead of PyStemmer (cold and warm caches).
    print()
    print("german_analyzer() with whoosh's pure-Python stemmer instead of PyStemmer:")
    original = analysis._stemmer
    try:
        for label, before_run in (("warm caches", None), ("cold caches", clear_caches)):
            analysis._stemmer = lambda: _WhooshStemmer
            clear_caches()
            seconds, _ = timed(german, texts, before_run)
            analysis._stemmer = original
            clear_caches()
            reference, _ = timed(german, texts, before_run)
            print(
                f"  {label}: {words / seconds:,.0f} words/s, PyStemmer version "
                f"{seconds / reference:.2f}x as fast"
            )
    finally:
        analysis._stemmer = original
        clear_caches()

    for text in texts:
        for _ in german(text):
            pass
    stems, splits = analysis.stem_term.cache_info(), analysis.split_compound.cache_info()
    print()
    print(
        f"cache entries after one pass: stems {stems.currsize:,} "
        f"(of {analysis.STEM_CACHE_SIZE:,}), compound splits {splits.currsize:,} "
        f"(of {analysis.SPLIT_CACHE_SIZE:,})"
    )


if __name__ == "__main__":
    main()
