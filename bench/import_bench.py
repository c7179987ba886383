"""Benchmark `flask --app portal import`: 10,000 realistic lines into a fresh instance.

Bodies are real decision passages from the LER corpus in ../shared/corpora (Leitner, Rehm,
Moreno-Schneider 2019, CC BY 4.0), read at run time and never copied into the repository.
Each run builds a fresh temporary instance (schema, the office), then times the import
command as a subprocess, search indexing included; a second import of the same file (all
unchanged) is timed too. Prints the median of the runs.

    .venv/bin/python bench/import_bench.py [--lines 10000] [--runs 3]
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "ler_decisions.jsonl"
FLASK = [sys.executable, "-m", "flask", "--app", "portal"]
CREATE_ALL = (
    "from portal import create_app; from portal.extensions import db; "
    "app = create_app(); app.app_context().push(); db.create_all()"
)

NORMS = [
    "§ 232 StGB", "§ 232a Abs. 1 StGB", "§ 232b StGB", "§ 233 Abs. 1 Nr. 1 StGB", "§ 233a StGB",
    "§ 25 Abs. 4a AufenthG", "§ 25 Abs. 4b AufenthG", "§ 59 Abs. 7 AufenthG", "§ 1 OEG",
    "§ 13 SGB XIV", "§ 397a StPO", "§ 395 StPO", "§ 823 Abs. 2 BGB", "§ 1 MiLoG", "§ 20 MiLoG",
    "§ 2 ArbGG", "Art. 4 EMRK", "§ 611a BGB", "§ 612 BGB", "§ 253 BGB",
]  # fmt: skip
COURTS = [
    "LG Berlin", "Landgericht Hamburg", "OLG München", "BGH", "VG Berlin", "VGH München",
    "ArbG Dortmund", "LAG Hamm", "SG Hamburg", "LSG Berlin-Brandenburg", "BSG", "BAG",
    "OLG Frankfurt am Main", "LG Köln", "AG Tiergarten", "Amtsgericht Fernbach",
]  # fmt: skip
AREAS = ["strafrecht", "aufenthaltsrecht", "arbeitsrecht", "sozialrecht", "opferentschaedigung"]
TOPICS = ["Zwangsprostitution", "Arbeitsausbeutung", "Aufenthalt", "Entschädigung", "Nebenklage"]
OUTCOMES = ["conviction", "acquittal", "residence_granted", "wages_awarded", "benefits_refused"]


def day(rng: random.Random, year: int) -> str:
    return f"20{year:02d}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def generate(path: Path, lines: int, seed: int = 7) -> None:
    """Write `lines` records: 70 % case law, 15 % training material, 15 % position papers."""
    rng = random.Random(seed)
    with CORPUS.open(encoding="utf-8") as fh:
        passages = [json.loads(line)["text"] for line in fh]
    with path.open("w", encoding="utf-8") as out:
        for n in range(lines):
            body = passages[n % len(passages)]
            record = {
                "external_id": f"bench-{n:05d}",
                "title": f"{body[:80].rsplit(' ', 1)[0]} ({n})",
                "summary": body[:300],
                "body": body,
                "topics": rng.sample(TOPICS, 2),
                "tags": [f"tag{rng.randrange(40)}"],
                "visibility": rng.choice(["members", "members", "office", "organisation"]),
                "status": rng.choice(["published"] * 9 + ["draft"]),
                "published_on": day(rng, rng.randrange(10, 25)),
            }
            kind = rng.random()
            if kind < 0.7:
                year = rng.randrange(5, 25)
                record.update(
                    type="case_law",
                    court=rng.choice(COURTS),
                    decision_date=day(rng, year),
                    file_number=f"{rng.randrange(1, 30)} KLs {rng.randrange(1, 999)}/{year:02d}",
                    decision_type=rng.choice(["urteil", "beschluss"]),
                    legal_areas=rng.sample(AREAS, rng.randrange(1, 3)),
                    norms=rng.sample(NORMS, rng.randrange(1, 5)),
                    outcome=[rng.choice(OUTCOMES)],
                )
                if n % 10 == 1:
                    record["links"] = [{"kind": "instance", "target": f"bench-{n - 1:05d}"}]
            elif kind < 0.85:
                record.update(type="training_material", audience="Fachberatung", format="slides")
            else:
                record.update(type="position_paper", authors=["KOK e.V."], addressee="Bundestag")
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run(args: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(FLASK + args, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    summary = [line for line in done.stdout.splitlines() if line.startswith("Import")]
    return seconds, summary[0] if summary else ""


def one_run(data: Path) -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory(prefix="import-bench-") as instance:
        env = {**os.environ, "PORTAL_INSTANCE_PATH": instance, "PORTAL_ENV": "development"}
        # The schema from the models (as the tests do), so the bench never waits for migrations.
        subprocess.run([sys.executable, "-c", CREATE_ALL], env=env, cwd=ROOT, check=True)
        run(["create-org", "kok", "--name", "KOK", "--kind", "office"], env)
        first, summary = run(["import", str(data)], env)
        again, _ = run(["import", str(data)], env)
    return first, again, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-bench-data-") as folder:
        data = Path(folder) / "bench.jsonl"
        generate(data, options.lines)
        size = data.stat().st_size / 1e6
        print(f"{options.lines} lines, {size:.1f} MB; {options.runs} runs in fresh instances")
        firsts, agains = [], []
        for n in range(options.runs):
            first, again, summary = one_run(data)
            firsts.append(first)
            agains.append(again)
            print(f"  run {n + 1}: import {first:.1f} s, re-import {again:.1f} s  [{summary}]")
    first, again = statistics.median(firsts), statistics.median(agains)
    print(f"import (median):    {first:.1f} s, {options.lines / first:.0f} lines/s")
    print(f"re-import (median): {again:.1f} s, {options.lines / again:.0f} lines/s (all unchanged)")


if __name__ == "__main__":
    main()
