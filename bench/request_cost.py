"""CPU per request on the paths the load test drives, measured in-process (issue 15).

Builds an instance the way bench/load.py does (same environment, corpus, accounts and
attachments), then signs people in through the login form with CSRF (Flask's test client, no
server, no network) and asks each request class of the load test's mix several times: search
page, completion, resource detail, lists, attachment download, saving a search, an editor's
edit and publish, and the JSON API's search. Prints per class the CPU ms of this process per
request (a round's mean: an edit's occasional index merge counts, as it does for the server's
capacity), wall ms and SQL statements (a round's median), each the median of `--rounds` rounds,
and the load test's mix as one figure: CPU ms per request weighted as bench/load.py's people ask.
On a busy machine CPU times grow with the neighbours' work; the "p25" column (the lower quartile
of the CPU of the request's own thread) moves least; `--instructions` (with `--reuse`, needs
valgrind) counts instructions per request under callgrind instead, the same for the same code.

    .venv/bin/python bench/request_cost.py [--keep DIR | --reuse DIR] [--rounds 5] [--per 12]
    scripts/with-services.sh --redis -- .venv/bin/python bench/request_cost.py   # Redis limits
    scripts/with-services.sh --postgres --redis -- .venv/bin/python bench/request_cost.py

`--profile search,detail` adds a cProfile (top functions by own time; `--sort cumulative`,
`--only portal/`) of those classes.
PostgreSQL instances are built afresh every run (its server is thrown away); `--keep` and
`--reuse` are for SQLite (`--reuse` measures on a copy, so every run starts from the same
state). On PostgreSQL the CPU of its server processes that answered is shown beside (in clock
ticks of 10 ms, so read it over many requests); Redis's is not counted.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import (  # noqa: E402
    PASSWORD,
    WORDS,
    build_instance,
    create_database,
    form_on,
    instance_env,
)
from sqlalchemy import event  # noqa: E402

MEMBERS, EDITORS = 45, 5

# How often each class is asked in bench/load.py: (class, share of all requests). Members
# (45 people) per action: search 0.35 (+ the search page before saving), complete 0.10, detail
# 0.30, lists 0.10, download 0.10, save 0.05 (page + post); editors (5 people): edit 0.5
# (form + post), publish 0.1 (form + post), search 0.2, their lists 0.2.
MIX = {
    "search": 45 * 0.40 + 5 * 0.2,
    "complete": 45 * 0.10,
    "detail": 45 * 0.30,
    "lists": 45 * 0.10,
    "download": 45 * 0.10,
    "save": 45 * 0.05,
    "edit form": 5 * 0.5,
    "edit": 5 * 0.5,
    "publish form": 5 * 0.1,
    "publish": 5 * 0.1,
    "editor lists": 5 * 0.2,
}


class Person:
    """A signed-in browser in the test client, with the page's CSRF tokens."""

    def __init__(self, app, email: str):
        self.client = app.test_client()
        self.submit("/auth/login", "/auth/login", {"email": email, "password": PASSWORD})

    def get(self, path: str):
        return self.client.get(path)

    def form(self, page_path: str, action_part: str):
        page = self.client.get(page_path)
        assert page.status_code == 200, (page_path, page.status_code)
        form = form_on(page.get_data(as_text=True), action_part, page_path)
        assert form is not None, (page_path, action_part)
        return form

    def post(self, form: dict, changes: dict, button: str | None = None):
        fields = dict(form["fields"])
        fields.update(changes)
        if button:
            fields[button] = dict(form["buttons"]).get(button, "1")
        return self.client.post(form["action"], data=fields)

    def submit(self, page_path: str, action_part: str, changes: dict, button=None):
        response = self.post(self.form(page_path, action_part), changes, button)
        assert response.status_code == 302, (page_path, response.status_code)
        return response


class Counter:
    """SQL statements sent, and the CPU seconds of the PostgreSQL server processes that
    answered them (read from /proc, in clock ticks; 0 on SQLite, which runs in-process)."""

    def __init__(self, engine):
        self.statements = 0
        self.backends: set[int] = set()
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, connection, *_args) -> None:
        self.statements += 1
        info = getattr(connection.connection.dbapi_connection, "info", None)
        if info is not None and hasattr(info, "backend_pid"):  # psycopg
            self.backends.add(info.backend_pid)

    def database_cpu(self) -> float:
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.backends:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total


def classes(world: dict, members: list[Person], editors: list[Person], rng: random.Random):
    """Each class: a function that prepares one request and returns (person, call)."""
    readable, attachments = world["readable"], world["attachments"]
    editable = [r for r in readable if r not in {a for a, _ in attachments}]
    drafts = list(world["drafts"])

    def word(n=None):
        return urllib.parse.quote_plus(rng.choice(WORDS)[:n] if n else rng.choice(WORDS))

    def member():
        return rng.choice(members)

    def editor_of(resource_id):
        return editors[resource_id % len(editors)]

    def search():
        page = f"&page={rng.randrange(1, 3)}" if rng.random() < 0.2 else ""
        path = f"/search/?q={word()}{page}"
        return member(), lambda p: p.get(path)

    def complete():
        path = f"/search/complete?q={word(rng.randrange(3, 7))}"
        return member(), lambda p: p.get(path)

    def detail():
        path = f"/resources/{rng.choice(readable)}"
        return member(), lambda p: p.get(path)

    def lists():
        path = rng.choice(["/", "/resources/", "/resources/case-law"])
        return member(), lambda p: p.get(path)

    def download():
        resource_id, attachment_id = rng.choice(attachments)
        path = f"/resources/{resource_id}/attachments/{attachment_id}"
        return member(), lambda p: p.get(path)

    def save():
        person = member()
        form = person.form(f"/search/?q={word()}", "/saved/")
        name = f"Suche {rng.randrange(10**9)}"
        return person, lambda p: p.post(form, {"name": name})

    def edit_form():
        resource_id = rng.choice(editable)
        path = f"/resources/{resource_id}/edit"
        return editor_of(resource_id), lambda p: p.get(path)

    def edit():
        resource_id = rng.choice(editable)
        person = editor_of(resource_id)
        path = f"/resources/{resource_id}/edit"
        form = person.form(path, path)
        title = f"Bearbeitet Fassung{rng.randrange(10**9)}"
        return person, lambda p: p.post(form, {"title": title}, button="save")

    def publish_form():
        resource_id = rng.choice(drafts)
        path = f"/resources/{resource_id}/publish"
        return editor_of(resource_id), lambda p: p.get(path)

    def publish():
        resource_id = drafts.pop()
        person = editor_of(resource_id)
        path = f"/resources/{resource_id}/publish"
        form = person.form(path, path)
        return person, lambda p: p.post(form, {"confirm": "y"})

    def editor_lists():
        path = rng.choice(["/resources/review", "/resources/mine", "/"])
        return rng.choice(editors), lambda p: p.get(path)

    def api_search():
        path = f"/api/v1/search?q={word()}"
        return member(), lambda p: p.get(path)

    return {
        "search": search,
        "complete": complete,
        "detail": detail,
        "lists": lists,
        "download": download,
        "save": save,
        "edit form": edit_form,
        "edit": edit,
        "publish form": publish_form,
        "publish": publish,
        "editor lists": editor_lists,
        "api search": api_search,
    }


def world_of(app) -> dict:
    """What the people may read, the drafts and the attachments (as bench/load.py's SETUP)."""
    from portal.extensions import db
    from portal.resources.models import Attachment, Resource

    with app.app_context():
        ids = db.select(Resource.id).order_by(Resource.id)
        return {
            "readable": db.session.scalars(
                ids.filter_by(status="published", visibility="members")
            ).all(),
            "drafts": db.session.scalars(ids.filter_by(status="draft")).all(),
            "attachments": [
                tuple(row)
                for row in db.session.execute(db.select(Attachment.resource_id, Attachment.id))
            ],
        }


def measure(app, world: dict, options) -> None:
    from portal.extensions import db, limiter
    from portal.search.outbox import drainer

    with app.app_context():
        counter = Counter(db.engine)
    members = [Person(app, f"member{n}@load.example") for n in range(MEMBERS)]
    editors = [Person(app, f"editor{n}@load.example") for n in range(EDITORS)]
    rng = random.Random(15)
    kinds = classes(world, members, editors, rng)
    # Warm up: the first search of a process reads the index's word lists and segment data.
    for make in kinds.values():
        person, call = make()
        call(person)
    profiles = {name: cProfile.Profile() for name in options.profile}
    cpu: dict[str, list[float]] = {name: [] for name in kinds}
    wall: dict[str, list[float]] = {name: [] for name in kinds}
    sql: dict[str, list[int]] = {name: [] for name in kinds}
    database: dict[str, list[float]] = {name: [] for name in kinds}
    quiet: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(options.rounds):
        per_round = {name: ([], [], []) for name in kinds}
        for name, make in kinds.items():
            database_before = counter.database_cpu()
            for _ in range(options.per):
                person, call = make()
                statements = counter.statements
                profile = profiles.get(name)
                if profile:
                    profile.enable()
                started_cpu, started = time.process_time(), time.perf_counter()
                started_thread = time.thread_time()
                response = call(person)
                spent_thread = time.thread_time() - started_thread
                spent = time.perf_counter() - started
                # Work a request leaves to the drainer thread (merging the index's segments)
                # is charged to it: the server pays it all the same.
                drainer.wait()
                spent_cpu = time.process_time() - started_cpu
                if profile:
                    profile.disable()
                assert response.status_code in (200, 302), (name, response.status_code)
                response.close()
                per_round[name][0].append(spent_cpu * 1000)
                per_round[name][1].append(spent * 1000)
                per_round[name][2].append(counter.statements - statements)
                quiet[name].append(spent_thread * 1000)
            spent_database = counter.database_cpu() - database_before
            database[name].append(spent_database * 1000 / options.per)
        for name, (c, w, s) in per_round.items():
            cpu[name].append(statistics.fmean(c))
            wall[name].append(statistics.median(w))
            sql[name].append(statistics.median(s))
        # Each person asks far more often here than in the load test: keep the per-account
        # limits (search 60 a minute) out of the figures.
        limiter.reset()

    print(
        f"\n{'class':<14} {'CPU ms':>8} {'p25 ms':>8} {'DB CPU':>8} {'wall ms':>8} {'SQL':>5}"
        f"   (median of {options.rounds} rounds of {options.per} requests: CPU a round's mean,"
        " wall and SQL its median; p25: the request's own thread, quartile of all requests;"
        " DB CPU: PostgreSQL's server processes)"
    )
    for name in kinds:
        low = sorted(quiet[name])[len(quiet[name]) // 4]
        print(
            f"{name:<14} {statistics.median(cpu[name]):>8.1f} {low:>8.1f}"
            f" {statistics.median(database[name]):>8.1f} {statistics.median(wall[name]):>8.1f}"
            f" {statistics.median(sql[name]):>5.0f}"
        )
    share = sum(MIX.values())
    weighted = sum(MIX[k] * statistics.median(cpu[k]) for k in MIX) / share
    weighted_database = sum(MIX[k] * statistics.median(database[k]) for k in MIX) / share
    weighted_low = sum(MIX[k] * sorted(quiet[k])[len(quiet[k]) // 4] for k in MIX) / share
    print(
        f"{'load-test mix':<14} {weighted:>8.1f} {weighted_low:>8.1f} {weighted_database:>8.1f}"
        "   ms per request, weighted as in load.py"
    )
    for name, profile in profiles.items():
        print(f"\n--- profile: {name} ({options.rounds * options.per} requests) ---")
        stats = pstats.Stats(profile).sort_stats(options.sort)
        stats.print_stats(*([options.only] if options.only else []), options.top)


def count_instructions(app, world: dict, options) -> None:
    """Under callgrind (see ``--instructions``): instrument each class's requests only, and
    dump its counts under the class's name."""
    from portal.extensions import limiter
    from portal.search.outbox import drainer

    members = [Person(app, f"member{n}@load.example") for n in range(3)]
    editors = [Person(app, f"editor{n}@load.example") for n in range(EDITORS)]
    kinds = classes(world, members, editors, random.Random(15))
    for _ in range(2):  # warm: word lists, segment data, templates
        for make in kinds.values():
            person, call = make()
            call(person)
    limiter.reset()

    def control(*args: str) -> None:
        subprocess.run(["callgrind_control", *args, str(os.getpid())], capture_output=True)
        time.sleep(1.5)  # callgrind takes the command at its next check

    for name, make in kinds.items():
        calls = [make() for _ in range(options.per)]
        control("--zero")
        control("--instr=on")
        for person, call in calls:
            assert call(person).status_code in (200, 302), name
            drainer.wait()  # what a request leaves to the drainer thread counts too
        control("--instr=off")
        control(f"--dump={name.replace(' ', '_')}")
        limiter.reset()


def instructions(options) -> None:
    """Run this bench under callgrind on a copy of ``--reuse`` and print instructions per
    request: unlike CPU time on a shared machine, the same code gives the same count."""
    with tempfile.TemporaryDirectory(prefix="request-cost-callgrind-") as folder:
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={folder}/cg.%p", f"--log-file={folder}/valgrind.log",
            sys.executable, __file__, "--reuse", str(options.reuse), "--per", str(options.per),
            "--count-into", folder,
        ]  # fmt: skip
        subprocess.run(command, env={**os.environ, "PYTHONHASHSEED": "0"}, check=True)
        counts = {}
        dumps = sorted(Path(folder).glob("cg.*.*"), key=lambda p: int(p.suffix[1:]))
        for dump in dumps:
            text = dump.read_text()
            trigger = re.search(r"^desc: Trigger: dump (\S+)", text, re.M)
            total = re.search(r"^totals: (\d+)", text, re.M)
            if trigger and total:
                counts[trigger[1].replace("_", " ")] = int(total[1]) / options.per / 1e6
    print(f"\n{'class':<14} {'M instr':>8}   (instructions per request, callgrind)")
    for name, count in counts.items():
        print(f"{name:<14} {count:>8.1f}")
    weighted = sum(MIX[k] * counts[k] for k in MIX) / sum(MIX.values())
    print(f"{'load-test mix':<14} {weighted:>8.1f}   weighted as in load.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per", type=int, default=12, help="requests per class and round")
    parser.add_argument("--keep", type=Path, help="build the instance here and keep it")
    parser.add_argument("--reuse", type=Path, help="measure on an instance kept before")
    parser.add_argument("--profile", default="", help="classes to profile, comma-separated")
    parser.add_argument("--top", type=int, default=30, help="functions per profile")
    parser.add_argument("--sort", default="tottime", help="profile order (tottime, cumulative)")
    parser.add_argument("--only", default="", help="profile: only functions matching this")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions under callgrind"
    )
    parser.add_argument("--count-into", type=Path, help=argparse.SUPPRESS)  # the callgrind run
    options = parser.parse_args()
    if options.instructions:
        if not options.reuse:
            sys.exit("--instructions measures on a kept instance: build one with --keep first")
        instructions(options)
        return
    options.profile = [name for name in options.profile.split(",") if name]
    database = os.environ.get("PORTAL_TEST_DATABASE_URL")
    redis = os.environ.get("PORTAL_TEST_REDIS_URL")
    if database and (options.keep or options.reuse):
        sys.exit("--keep and --reuse are for SQLite (the PostgreSQL server is thrown away)")

    # Runs measure on a copy of a kept instance: each starts from the same state.
    temporary = Path(tempfile.mkdtemp(prefix="request-cost-"))
    instance = temporary / "instance"
    drop_database = None
    try:
        env = instance_env(instance, 4, redis)
        if not options.reuse:
            built = options.keep / "instance" if options.keep else instance
            built.mkdir(parents=True)
            drop_database = create_database(database, built) if database else None
            build_instance(built, {**env, "PORTAL_INSTANCE_PATH": str(built)}, options.resources,
                           MEMBERS, EDITORS)  # fmt: skip
        if options.keep or options.reuse:
            shutil.copytree((options.keep or options.reuse) / "instance", instance)
        os.environ.update(env)
        from portal import create_app

        app = create_app()
        backend = "PostgreSQL" if database else "SQLite"
        limits = "Redis" if redis else "memory://"
        print(f"{backend}, rate limits in {limits}, {options.resources} resources, in-process")
        if options.count_into:
            count_instructions(app, world_of(app), options)
        else:
            measure(app, world_of(app), options)
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()
    finally:
        if drop_database is not None:
            drop_database()
        shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
