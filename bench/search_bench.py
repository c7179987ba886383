"""Benchmark the search over the HTTP API on a reproducible German legal corpus.

Builds N documents (real BGB sections and LER decision passages from ../shared/corpora, topped
up to about 300 words with Zipf-distributed words of the same corpus; beyond the real texts,
documents are wholly synthetic), imports them with `flask --app portal import` into a fresh
instance, times `flask --app portal reindex`, starts the real app under gunicorn on a free
local port and sends a fixed mix of queries with a bearer token. Prints median / p95 latency
per query class, import and reindex throughput, index size, the server's peak RSS and how soon a
single update is visible to the search. Results go to bench/results/ (git-ignored).

LER passages: Leitner, Rehm, Moreno-Schneider (2019), CC BY 4.0; read at run time, never
copied into the repository.

    .venv/bin/python bench/search_bench.py [--docs 10000] [--seed 11] [--keep DIR]
    .venv/bin/python bench/search_bench.py --docs 10000 --profile prefix   # cProfile a class
    .venv/bin/python bench/search_bench.py --docs 10000 --reuse DIR  # queries only, on a kept
                                                                    # instance (--keep DIR)
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import http.client
import io
import itertools
import json
import os
import pstats
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
RESULTS = ROOT / "bench" / "results"
FLASK = [sys.executable, "-m", "flask", "--app", "portal"]
CREATE_ALL = (
    "from portal import create_app; from portal.extensions import db; "
    "app = create_app(); app.app_context().push(); db.create_all()"
)
PASSWORD = "Bench Tulpen wachsen leise 42"  # noqa: S105 - throwaway bench account
WORDS_PER_DOC = 300

NORMS = [
    "§ 232 StGB", "§ 232a StGB", "§ 232b StGB", "§ 233 StGB", "§ 233a StGB", "§ 180a StGB",
    "§ 181a StGB", "§ 25 Abs. 4a AufenthG", "§ 25 Abs. 4b AufenthG", "§ 59 Abs. 7 AufenthG",
    "§ 1 OEG", "§ 13 SGB XIV", "§ 397a StPO", "§ 395 StPO", "§ 406g StPO", "§ 823 BGB",
    "§ 826 BGB", "§ 611a BGB", "§ 612 BGB", "§ 253 BGB", "§ 1 MiLoG", "§ 20 MiLoG",
    "§ 2 ArbGG", "Art. 4 EMRK", "Art. 3 GG", "§ 10 SchwarzArbG", "§ 60 AufenthG",
]  # fmt: skip
COURTS = [
    ("BGH", "StR"), ("BAG", "AZR"), ("BSG", "B 9 V"), ("BVerwG", "C"), ("LG Berlin", "KLs"),
    ("Landgericht Hamburg", "KLs"), ("OLG München", "Ws"), ("VG Berlin", "K"),
    ("VGH München", "B"), ("ArbG Dortmund", "Ca"), ("LAG Hamm", "Sa"), ("SG Hamburg", "S"),
    ("LSG Berlin-Brandenburg", "L"), ("OLG Frankfurt am Main", "Ss"), ("LG Köln", "KLs"),
    ("AG Tiergarten", "Ds"), ("BVerfG", "BvR"),
]  # fmt: skip
AREAS = ["strafrecht", "aufenthaltsrecht", "arbeitsrecht", "sozialrecht", "opferentschaedigung",
         "zivilrecht", "asylrecht"]  # fmt: skip
TOPICS = ["Zwangsprostitution", "Arbeitsausbeutung", "Aufenthalt", "Entschädigung",
          "Nebenklage", "Zwangsarbeit", "Betteln", "Kinderhandel"]  # fmt: skip
DOMAIN_WORDS = [
    "Menschenhandel",
    "Ausbeutung",
    "Arbeitsausbeutung",
    "Zwangsprostitution",
    "Betroffene",
    "Geschädigte",
    "Nebenklage",
    "Aufenthaltserlaubnis",
    "Opferentschädigung",
    "Lohnnachzahlung",
    "Fachberatungsstelle",
    "Zeugin",
    "Zeuge",
    "Schutzprogramm",
    "Bedenkzeit",
    "Menschenwürde",
    "Anwerbung",
    "Schleusung",
    "Zuhälterei",
    "Lohnwucher",
    "Schadensersatz",
    "Schmerzensgeld",
    "Abschiebung",
    "Duldung",
    "Strafverfahren",
    "Verurteilung",
]

_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{3,}")


# --- corpus ------------------------------------------------------------------------------


def _load(name: str) -> list[dict]:
    with (CORPORA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


class Zipf:
    """Words drawn with probability 1/rank over the corpus vocabulary (by frequency)."""

    def __init__(self, texts: list[str], rng: random.Random):
        counts: dict[str, int] = {}
        for text in texts:
            for word in _WORD.findall(text):
                counts[word] = counts.get(word, 0) + 1
        self.words = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        self.words[50:50] = DOMAIN_WORDS  # common in this portal, rare in general law
        self.cumulative = list(
            itertools.accumulate(1 / (rank + 1) for rank in range(len(self.words)))
        )
        self.rng = rng

    def words_(self, n: int) -> list[str]:
        total = self.cumulative[-1]
        return [
            self.words[bisect.bisect_left(self.cumulative, self.rng.random() * total)]
            for _ in range(n)
        ]

    def sentence_text(self, n: int) -> str:
        words = self.words_(n)
        out, i = [], 0
        while i < len(words):
            length = self.rng.randrange(8, 20)
            chunk = words[i : i + length]
            out.append(" ".join([chunk[0].capitalize(), *chunk[1:]]) + ".")
            i += length
        return " ".join(out)


def file_number(rng: random.Random, register: str, year: int) -> str:
    if register.startswith("B "):
        return f"{register} {rng.randrange(1, 40)}/{year % 100:02d} R"
    if register == "BvR":
        return f"{rng.randrange(1, 3)} BvR {rng.randrange(100, 2999)}/{year % 100:02d}"
    return f"{rng.randrange(1, 30)} {register} {rng.randrange(1, 999)}/{year % 100:02d}"


def build_corpus(path: Path, docs: int, seed: int) -> dict:
    """Write `docs` import records to `path`; returns counts of real and synthetic texts."""
    rng = random.Random(seed)
    real = [(r["title"], r["text"]) for r in _load("ler_decisions.jsonl")]
    real += [(r["title"], r["text"]) for r in _load("bgb_sections.jsonl")]
    rng.shuffle(real)
    zipf = Zipf([text for _, text in real], random.Random(seed + 1))
    used_real = 0
    with path.open("w", encoding="utf-8") as out:
        for n in range(docs):
            if n < len(real):
                title, text = real[n]
                used_real += 1
                missing = WORDS_PER_DOC - len(text.split())
                if missing > 20:
                    text = text + "\n\n" + zipf.sentence_text(missing)
            else:
                title = " ".join(zipf.words_(rng.randrange(4, 9))).capitalize()
                text = zipf.sentence_text(WORDS_PER_DOC)
            year = rng.randrange(2005, 2026)
            record = {
                "external_id": f"bench-{n:06d}",
                "title": title[:480],
                "summary": text[:400].rsplit(" ", 1)[0],
                "body": text,
                "topics": rng.sample(TOPICS, rng.randrange(1, 3)),
                "tags": [f"thema{rng.randrange(60)}"],
                "visibility": rng.choice(["members"] * 6 + ["office", "organisation"]),
                "organisation": rng.choice(["kok", "kok", "fbs-bench", "fbs-other"]),
                "status": "published" if rng.random() < 0.95 else "draft",
                "published_on": f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            }
            kind = rng.random()
            if kind < 0.7:
                court, register = rng.choice(COURTS)
                record.update(
                    type="case_law",
                    court=court,
                    decision_date=f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                    file_number=file_number(rng, register, year),
                    decision_type=rng.choice(["urteil", "beschluss"]),
                    legal_areas=rng.sample(AREAS, rng.randrange(1, 3)),
                    norms=rng.sample(NORMS, rng.randrange(1, 5)),
                )
            elif kind < 0.85:
                record.update(type="training_material", audience="Fachberatung", format="slides")
            else:
                record.update(type="position_paper", authors=["KOK e.V."], addressee="Bundestag")
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {"real": used_real, "synthetic": docs - used_real, "zipf": zipf}


# --- queries -----------------------------------------------------------------------------


def query_mix(rng: random.Random, zipf: Zipf, corpus: Path) -> list[tuple[str, dict]]:
    """A fixed mix of (class, parameters); at least 25 of each class."""
    records = [json.loads(line) for line in corpus.open(encoding="utf-8")]
    case_law = [r for r in records if r["type"] == "case_law" and r["status"] == "published"]
    mid = zipf.words[20:400]
    rare = zipf.words[2000:8000] or zipf.words[-500:]
    mix: list[tuple[str, dict]] = []
    for _ in range(25):
        mix.append(("word", {"q": rng.choice(mid + DOMAIN_WORDS)}))
        mix.append(("rare_word", {"q": rng.choice(rare)}))
        mix.append(("words", {"q": " ".join(rng.sample(mid + DOMAIN_WORDS, rng.randrange(2, 4)))}))
        body = rng.choice(case_law)["body"].split()
        start = rng.randrange(0, max(1, min(len(body), 200) - 3))
        mix.append(("phrase", {"q": '"' + " ".join(body[start : start + 2]) + '"'}))
        stem = rng.choice([w for w in mid + DOMAIN_WORDS if len(w) >= 6])
        mix.append(("prefix", {"q": stem[: rng.choice([3, 4, 5])].lower() + "*"}))
        mix.append(("file_number", {"q": rng.choice(case_law)["file_number"]}))
        mix.append(("norm", {"q": rng.choice(NORMS)}))
        mix.append(
            (
                "filter",
                {
                    "q": rng.choice(DOMAIN_WORDS),
                    "type": "case_law",
                    "legal_area": rng.choice(AREAS),
                },
            )
        )
        year = rng.randrange(2005, 2024)
        mix.append(
            (
                "date_range",
                {
                    "q": rng.choice(mid + DOMAIN_WORDS),
                    "date_from": f"{year}-01-01",
                    "date_to": f"{year + rng.randrange(0, 3)}-12-31",
                },
            )
        )
        mix.append(("browse", {"type": "case_law", "norm": rng.choice(NORMS), "sort": "newest"}))
        description = " ".join(rng.choice(case_law)["body"].split()[:40])
        mix.append(("describe", {"q": description, "mode": "describe"}))
    rng.shuffle(mix)
    return mix


# --- server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_flask(args: list[str], env: dict, stdin: str | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        FLASK + args, env=env, cwd=ROOT, capture_output=True, text=True, input=stdin
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Api:
    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str, params: dict) -> tuple[float, dict]:
        url = f"{path}?{urllib.parse.urlencode(params)}"
        started = time.perf_counter()
        self.conn.request("GET", url, headers={"Authorization": f"Bearer {self.token}"})
        response = self.conn.getresponse()
        body = response.read()
        seconds = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status} {body[:300]!r}")
        return seconds, json.loads(body)


def wait_until_up(port: int, deadline: float) -> None:
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("server did not start")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


# --- a single update becoming visible -----------------------------------------------------


UPDATE_SCRIPT = r"""
import sys, time
from portal import create_app
from portal.extensions import db
from portal.resources.models import Resource
app = create_app()
with app.app_context():
    for line in sys.stdin:
        rid, word = line.split()
        resource = db.session.get(Resource, int(rid))
        resource.title = resource.title.split(" #")[0] + " #" + word
        started = time.time()
        db.session.commit()  # the outbox writes the index after the commit
        print(f"{started:.6f} {time.time():.6f}", flush=True)
"""


def update_visibility(api: Api, env: dict, resource_ids: list[int], rounds: int = 5) -> dict:
    """Seconds from an update's commit until the API finds it (median of `rounds`)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", UPDATE_SCRIPT],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    latencies, commits = [], []
    for n in range(rounds):
        # Unique per run: a reused instance (--reuse) must see a real change.
        word = f"zqxbench{n}{random.randrange(10**9)}"
        proc.stdin.write(f"{resource_ids[n]} {word}\n")
        proc.stdin.flush()
        committed, indexed = (float(x) for x in proc.stdout.readline().split())
        commits.append(indexed - committed)
        while True:
            _, data = api.get("/api/v1/search", {"q": word, "per_page": 1})
            if data["total"]:
                latencies.append(time.time() - committed)
                break
            if time.time() - committed > 60:
                latencies.append(float("inf"))
                break
            time.sleep(0.005)
    proc.stdin.close()
    proc.wait(timeout=30)
    return {
        "visible_median_s": statistics.median(latencies),
        "visible_max_s": max(latencies),
        "commit_and_index_median_s": statistics.median(commits),
    }


# --- main --------------------------------------------------------------------------------


def setup_instance(instance: str, corpus: Path, docs: int) -> tuple[dict, dict, str]:
    env = {
        **os.environ,
        "PORTAL_INSTANCE_PATH": instance,
        "PORTAL_ENV": "development",
        "PORTAL_RATELIMIT_ENABLED": "false",
        "PORTAL_SEED_DEMO_ON_FIRST_START": "false",
    }
    subprocess.run([sys.executable, "-c", CREATE_ALL], env=env, cwd=ROOT, check=True)
    run_flask(["create-org", "kok", "--name", "KOK", "--kind", "office"], env)
    run_flask(["create-org", "fbs-bench", "--name", "Fachberatungsstelle Bench"], env)
    run_flask(["create-org", "fbs-other", "--name", "Fachberatungsstelle Andere"], env)
    run_flask(
        ["create-user", "bench@example.org", "--name", "Bench", "--org", "fbs-bench",
         "--password-stdin"],
        env,
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    figures: dict = {}
    seconds, _ = run_flask(["import", str(corpus)], env)
    figures["import_s"] = seconds
    figures["import_docs_per_s"] = docs / seconds
    seconds, _ = run_flask(["reindex"], env)
    figures["reindex_s"] = seconds
    figures["reindex_docs_per_s"] = docs / seconds
    index_dir = Path(instance) / "search-index"
    figures["index_mb"] = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 1e6
    _, out = run_flask(["create-token", "bench@example.org", "--name", "bench"], env)
    token = re.search(r"kok_[A-Za-z0-9_-]+", out).group(0)
    return env, figures, token


def reuse_instance(instance: str) -> tuple[dict, dict, str]:
    """The environment and a new token of an instance built before with ``--keep``."""
    env = {
        **os.environ,
        "PORTAL_INSTANCE_PATH": instance,
        "PORTAL_ENV": "development",
        "PORTAL_RATELIMIT_ENABLED": "false",
        "PORTAL_SEED_DEMO_ON_FIRST_START": "false",
    }
    _, out = run_flask(["create-token", "bench@example.org", "--name", "bench"], env)
    token = re.search(r"kok_[A-Za-z0-9_-]+", out).group(0)
    index_dir = Path(instance) / "search-index"
    size = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 1e6
    return env, {"index_mb": size, "reused": True}, token


def start_server(env: dict) -> tuple[subprocess.Popen, int]:
    """The app under gunicorn (one worker) on a free local port, once it accepts connections."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--timeout", "300", "portal:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_up(port, time.time() + 60)
    except SystemExit:
        server.terminate()
        raise
    return server, port


def measure(env: dict, token: str, mix: list[tuple[str, dict]], figures: dict) -> dict:
    server, port = start_server(env)
    try:
        api = Api(port, token)
        first, _ = api.get("/api/v1/search", {"q": "Vertrag"})
        figures["first_query_s"] = first
        for _, params in mix[:10]:  # warm up: searcher, caches
            api.get("/api/v1/search", params)
        by_class: dict[str, list[float]] = {}
        totals: dict[str, list[int]] = {}
        for name, params in mix:
            seconds, data = api.get("/api/v1/search", params)
            by_class.setdefault(name, []).append(seconds)
            totals.setdefault(name, []).append(data["total"])
        ids = [hit["id"] for hit in api.get("/api/v1/search", {"q": "Vertrag"})[1]["results"]]
        figures["update"] = update_visibility(api, env, ids or [1, 2, 3, 4, 5])
        workers = children(server.pid)
        figures["server_peak_rss_mb"] = max(peak_rss_mb(p) for p in [server.pid, *workers])
    finally:
        server.terminate()
        server.wait(timeout=30)
    classes = {
        name: {
            "n": len(values),
            "median_ms": statistics.median(values) * 1000,
            "p95_ms": percentile(values, 95) * 1000,
            "max_ms": max(values) * 1000,
            "median_total": statistics.median(totals[name]),
        }
        for name, values in sorted(by_class.items())
    }
    everything = [v for values in by_class.values() for v in values]
    classes["ALL"] = {
        "n": len(everything),
        "median_ms": statistics.median(everything) * 1000,
        "p95_ms": percentile(everything, 95) * 1000,
        "max_ms": max(everything) * 1000,
        "median_total": 0,
    }
    return classes


def profile_class(env: dict, mix: list[tuple[str, dict]], name: str) -> str:
    """cProfile the search entry point in-process for one query class; the top functions."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from werkzeug.datastructures import MultiDict

    from portal import create_app
    from portal.api import params as api_params
    from portal.auth.models import User
    from portal.extensions import db
    from portal.search import services as search

    app = create_app()
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="bench@example.org"))
        queries = [api_params.parse_search(MultiDict(p)) for c, p in mix if c == name]
        for q in queries[:3]:
            search.search(user, q.q, mode=q.mode, filters=q.filters, sort=q.sort)
        profiler = cProfile.Profile()
        profiler.enable()
        for q in queries:
            search.search(user, q.q, mode=q.mode, filters=q.filters, sort=q.sort)
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", help="Build the instance in this folder and keep it.")
    parser.add_argument(
        "--reuse",
        help="Measure the queries on an instance kept with --keep (same --docs and --seed); "
        "no import or reindex.",
    )
    parser.add_argument(
        "--profile", help="After measuring, cProfile these query classes (comma-separated)."
    )
    options = parser.parse_args()

    started = datetime.now()
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        built = build_corpus(corpus, options.docs, options.seed)
        print(
            f"corpus: {options.docs} documents ({built['real']} real texts, "
            f"{built['synthetic']} synthetic), {corpus.stat().st_size / 1e6:.1f} MB",
            flush=True,
        )
        if options.reuse:
            env, figures, token = reuse_instance(options.reuse)
        else:
            instance = options.keep or str(Path(tmp) / "instance")
            env, figures, token = setup_instance(instance, corpus, options.docs)
            print(
                f"import {figures['import_s']:.1f} s ({figures['import_docs_per_s']:.0f} docs/s), "
                f"reindex {figures['reindex_s']:.1f} s "
                f"({figures['reindex_docs_per_s']:.0f} docs/s), index {figures['index_mb']:.0f} MB",
                flush=True,
            )
        mix = query_mix(random.Random(options.seed), built["zipf"], corpus)
        classes = measure(env, token, mix, figures)
        report = format_report(options.docs, figures, classes)
        print(report)
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"search-{options.docs}-{started:%Y%m%d-%H%M%S}.json"
        result = {"docs": options.docs, "seed": options.seed, "figures": figures}
        out.write_text(json.dumps({**result, "classes": classes}, indent=2, default=str))
        print(f"written to {out.relative_to(ROOT)}", flush=True)
        for name in (options.profile or "").split(","):
            if name:
                print(f"\n--- cProfile: {name} ---")
                print(profile_class(env, mix, name))


def format_report(docs: int, figures: dict, classes: dict) -> str:
    lines = [
        f"\nSearch over HTTP API, {docs} documents (1 gunicorn worker, bearer token)",
        f"{'class':<12} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'hits':>7}",
    ]
    for name, c in classes.items():
        lines.append(
            f"{name:<12} {c['n']:>4} {c['median_ms']:>10.1f} {c['p95_ms']:>8.1f} "
            f"{c['max_ms']:>8.1f} {c['median_total']:>7.0f}"
        )
    update = figures["update"]
    lines.append(f"first query after start: {figures['first_query_s'] * 1000:.0f} ms")
    if "import_docs_per_s" in figures:
        lines.append(
            f"import: {figures['import_docs_per_s']:.0f} docs/s; reindex: "
            f"{figures['reindex_docs_per_s']:.0f} docs/s; index size: {figures['index_mb']:.0f} MB"
        )
    lines += [
        f"server peak RSS: {figures['server_peak_rss_mb']:.0f} MB",
        f"single update visible after: median {update['visible_median_s'] * 1000:.0f} ms, "
        f"max {update['visible_max_s'] * 1000:.0f} ms (commit+index "
        f"{update['commit_and_index_median_s'] * 1000:.0f} ms)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
