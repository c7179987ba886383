"""Load test: simulated staff against gunicorn (4 workers) on this machine, loopback only.

Builds a fresh instance (migrations, an office and five counselling centres, 50 accounts,
`--resources` imported resources from the LER corpus in ../shared/corpora, 40 attachments),
starts gunicorn on 127.0.0.1 and lets `--users` people work for `--duration` seconds: members
search (search page, completions), read resources and lists, download attachments and save
searches; one in ten is an editor who edits resources and publishes drafts. Every person has
its own account and session (CSRF tokens taken from the pages, as a browser does) and waits
0 to 2 x `--think` seconds between requests. Bounded: at most `--users` threads, and nothing
starts after the deadline.

Then it prints throughput, p50/p95 per endpoint class and every error, runs `check-index`
and checks that every edit is in the database (title and version) and in the index.

    # PostgreSQL and Redis (throw-away servers, as the tests use):
    scripts/with-services.sh --postgres --redis -- .venv/bin/python bench/load.py
    # SQLite (with Redis for the limits):
    scripts/with-services.sh --redis -- .venv/bin/python bench/load.py
    make bench-load   # both, one after the other

Options: --users 50 --duration 300 --workers 4 --resources 2000 --think 0.25
--profile FILE: py-spy samples the server's workers during the load (about 5 % of the CPU
more) into FILE, and a summary of where their time went is printed (bench/spy_report.py).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import spy_report  # noqa: E402
from import_bench import CORPUS, generate  # noqa: E402

PASSWORD = "Tulpen wachsen leise im Regen 42"  # noqa: S105 (throw-away accounts)
FLASK = [sys.executable, "-m", "flask", "--app", "portal"]
WORDS = [
    "Lohnwucher", "Zwangsprostitution", "Arbeitsausbeutung", "Aufenthaltserlaubnis",
    "Nebenklage", "Entschädigung", "Menschenhandel", "Ausbeutung", "Zeugin", "Bordell",
    "Gastronomie", "Baustelle", "Mindestlohn", "Opferschutz", "§ 232a StGB", "§ 25 Abs. 4a",
    "Schmerzensgeld", "Dolmetscher", "Landgericht", "Beschluss",
]  # fmt: skip


# --- a person with a browser's cookies and forms ----------------------------------------------


class Forms(HTMLParser):
    """Every form of a page: action, method and its fields as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": [], "buttons": []})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "submit":
                self.forms[-1]["buttons"].append((a["name"], a.get("value", "")))
            elif kind != "file" and (kind not in ("checkbox", "radio") or "checked" in a):
                fields.append((a["name"], a.get("value", "")))
        elif tag == "button" and a.get("name"):
            self.forms[-1]["buttons"].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            fields.append((a["name"], ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            fields.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea and self.forms:
            name, value = self.forms[-1]["fields"][-1]
            self.forms[-1]["fields"][-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_on(page: str, action_part: str, page_path: str) -> dict | None:
    """The first form posting to a URL that contains `action_part` (no action: the page)."""
    parser = Forms()
    parser.feed(page)
    for form in parser.forms:
        form["action"] = form["action"] or page_path
        if action_part in form["action"]:
            return form
    return None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Person:
    def __init__(self, base: str, stats: Stats):
        self.base = base
        self.stats = stats
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, kind: str, path: str, data=None, expect=(200, 302)) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        except OSError as error:
            status, text = 0, str(error)
        self.stats.add(kind, time.perf_counter() - started, status, path, status in expect)
        return status, text

    def submit(self, kind: str, page_path: str, action_part: str, changes=None, button=None):
        """GET a page, fill its form like a browser (CSRF token included) and POST it."""
        status, page = self.request("page", page_path)
        form = form_on(page, action_part, page_path) if status == 200 else None
        if form is None:
            self.stats.add(kind, 0, status, f"{page_path} (GET): no form {action_part}", False)
            return 0, ""
        fields = dict(form["fields"])
        fields.update(changes or {})
        if button:
            fields[button] = dict(form["buttons"]).get(button, "1")
        return self.request(kind, form["action"], fields)

    def login(self, email: str) -> bool:
        status, _ = self.submit(
            "login", "/auth/login", "/auth/login", {"email": email, "password": PASSWORD}
        )
        return status == 302


# --- figures ----------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.statuses: dict[int, int] = defaultdict(int)

    def add(self, kind: str, seconds: float, status: int, path: str, ok: bool) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            self.statuses[status] += 1
            if not ok:
                self.errors.append(f"{kind} {path} -> {status}")

    def report(self, seconds: float) -> None:
        total = sum(len(t) for t in self.times.values())
        print(f"\n{total} requests in {seconds:.0f} s: {total / seconds:.1f} requests/s")
        print(f"{'class':<10} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for kind in sorted(self.times):
            values = sorted(self.times[kind])
            p50 = statistics.median(values) * 1000
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))] * 1000
            print(f"{kind:<10} {len(values):>7} {p50:>8.0f} {p95:>8.0f} {values[-1] * 1000:>8.0f}")
        print("statuses:", dict(sorted(self.statuses.items())))
        print(f"errors: {len(self.errors)}")
        for line in self.errors[:20]:
            print("  ", line)


class CpuMeter:
    """CPU seconds of the server's processes, of this load generator and of the whole machine
    (everything else: the database, Redis, other jobs) between its start and `report`."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.start = self._now()

    def _now(self) -> tuple[float, float, float, float]:
        tick = os.sysconf("SC_CLK_TCK")
        server = 0.0
        for pid in [self.server_pid, *_children(self.server_pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a worker that ended meanwhile
            server += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        times = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = times[3] + times[4]  # idle, iowait
        return server, time.process_time(), (sum(times[:8]) - idle) / tick, sum(times[:8]) / tick

    def report(self, requests: int) -> None:
        now = self._now()
        server, generator, busy, total = (b - a for a, b in zip(self.start, now, strict=True))
        per = 1000 / max(requests, 1)
        print(
            f"CPU ms per request: server {server * per:.1f}, load generator {generator * per:.1f}, "
            f"rest of the machine {(busy - server - generator) * per:.1f} (database, Redis, "
            f"other jobs); machine busy {busy / total:.0%} of {os.cpu_count()} cores"
        )


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


# --- the people's work ------------------------------------------------------------------------


def member_loop(person: Person, deadline: float, think: float, world: dict, rng) -> None:
    resources, attachments = world["readable"], world["attachments"]
    while time.monotonic() < deadline:
        action = rng.random()
        if action < 0.35:
            query = urllib.parse.quote_plus(rng.choice(WORDS))
            page = f"&page={rng.randrange(1, 3)}" if rng.random() < 0.2 else ""
            person.request("search", f"/search/?q={query}{page}")
        elif action < 0.45:
            prefix = urllib.parse.quote_plus(rng.choice(WORDS)[: rng.randrange(3, 7)])
            person.request("complete", f"/search/complete?q={prefix}")
        elif action < 0.75:
            person.request("page", f"/resources/{rng.choice(resources)}")
        elif action < 0.85:
            person.request("page", rng.choice(["/", "/resources/", "/resources/case-law"]))
        elif action < 0.95:
            resource_id, attachment_id = rng.choice(attachments)
            person.request("download", f"/resources/{resource_id}/attachments/{attachment_id}")
        else:
            query = urllib.parse.quote_plus(rng.choice(WORDS))
            person.submit(
                "write",
                f"/search/?q={query}",
                "/saved/",
                {"name": f"Suche {secrets.token_hex(3)}"},
            )
        time.sleep(rng.uniform(0, 2 * think))


def editor_loop(person: Person, deadline: float, think: float, world: dict, rng, mine) -> None:
    """Edit own resources (a disjoint share) and publish drafts; remember every saved edit."""
    edits = world["edits"]
    while time.monotonic() < deadline:
        action = rng.random()
        if action < 0.5 and mine["edit"]:
            resource_id = rng.choice(mine["edit"])
            marker = f"Fassung{secrets.token_hex(4)}"
            status, _ = person.submit(
                "write",
                f"/resources/{resource_id}/edit",
                f"/resources/{resource_id}/edit",
                {"title": f"Bearbeitet {marker}"},
                button="save",
            )
            if status == 302:
                edits[resource_id].append(marker)
        elif action < 0.6 and mine["publish"]:
            resource_id = mine["publish"].pop()
            status, _ = person.submit(
                "write",
                f"/resources/{resource_id}/publish",
                f"/resources/{resource_id}/publish",
                {"confirm": "y"},
            )
            if status == 302:
                world["published"].append(resource_id)
        elif action < 0.8:
            query = urllib.parse.quote_plus(rng.choice(WORDS))
            person.request("search", f"/search/?q={query}")
        else:
            person.request("page", rng.choice(["/resources/review", "/resources/mine", "/"]))
        time.sleep(rng.uniform(0, 2 * think))


# --- the instance -----------------------------------------------------------------------------


def flask_run(env: dict, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(FLASK + [command], env=env, cwd=ROOT, capture_output=True, text=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str) -> str:
    done = subprocess.run(FLASK + list(args), env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


SETUP = """
import hashlib, os, sys
from portal import create_app
from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.resources.models import Attachment, Resource
from portal.resources.attachments import upload_folder

password = sys.argv[1]
members, editors, attachments = (int(x) for x in sys.argv[2:5])
app = create_app()
with app.app_context():
    office = db.session.scalar(db.select(Organisation).filter_by(kind="office"))
    centres = []
    for n in range(5):
        org = Organisation(slug=f"fbs-{n}", name=f"Fachberatungsstelle {n}", kind="member")
        db.session.add(org)
        centres.append(org)
    db.session.flush()
    def person(email, role, org):
        user = User(email=email, name=email.split("@")[0], role=role, organisation_id=org.id)
        user.set_password(password)
        db.session.add(user)
    for n in range(members):
        person(f"member{n}@load.example", "member", centres[n % 5])
    for n in range(editors):
        person(f"editor{n}@load.example", "editor", office)
    ids = db.session.scalars(
        db.select(Resource.id).filter_by(status="published", visibility="members")
        .order_by(Resource.id).limit(attachments)
    ).all()
    for n, resource_id in enumerate(ids):
        data = (f"Anhang {n}: Gutachten zur Ausbeutung der Arbeitskraft. " * 400).encode()
        stored = f"load-{n}.txt"
        (upload_folder() / stored).write_bytes(data)
        db.session.add(Attachment(
            resource_id=resource_id, filename=f"gutachten-{n}.txt", stored_name=stored,
            kind="txt", mimetype="text/plain", size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), text=data.decode()[:2000]))
    db.session.commit()
    readable = db.session.scalars(
        db.select(Resource.id).filter_by(status="published", visibility="members")).all()
    drafts = db.session.scalars(db.select(Resource.id).filter_by(status="draft")).all()
    found = db.session.execute(db.select(Attachment.resource_id, Attachment.id)).all()
    print("readable", *readable)
    print("drafts", *drafts)
    print("attachments", *[f"{r}:{a}" for r, a in found])
"""

VERIFY = """
import sys
from portal import create_app
from portal.extensions import db
from portal.resources.models import Resource
from portal.search.models import IndexTask
from portal.search.services import search
from portal.auth.models import User

app = create_app()
expected = dict(line.split() for line in sys.stdin.read().splitlines() if line.strip())
problems = []
with app.test_request_context():
    pending = db.session.scalar(db.select(db.func.count(IndexTask.id)))
    if pending:
        problems.append(f"{pending} index tasks pending")
    editor = db.session.scalar(db.select(User).filter_by(role="editor"))
    for resource_id, marker in expected.items():
        resource = db.session.get(Resource, int(resource_id))
        if marker not in resource.title:
            problems.append(f"resource {resource_id}: title {resource.title!r}, last edit {marker}")
        hits = search(editor, marker).total
        if hits != 1:
            problems.append(f"resource {resource_id}: the search finds {marker} {hits} times")
print("\\n".join(problems) or "OK")
"""


def create_database(server_url: str, instance: Path):
    """A fresh PostgreSQL database on the server for this instance; returns its dropper."""
    name = f"portal_load_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    (instance / "config.py").write_text(f"DATABASE_URL = {url!r}\n")

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return drop


def instance_env(instance: Path, workers: int, redis: str | None) -> dict:
    """The environment the portal runs in here (server, commands, in-process benches)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PORTAL_ENV": "development",
        "PORTAL_INSTANCE_PATH": str(instance),
        "PORTAL_WORKERS": str(workers),
        "PORTAL_SEED_DEMO_ON_FIRST_START": "false",
    }
    if redis:
        env["PORTAL_RATELIMIT_STORAGE_URI"] = redis
    # Everybody logs in from 127.0.0.1 within a minute or two here; on the server the 50
    # people come from a dozen networks. The login limit per address is raised for that
    # minute only in spirit: every other limit (per account) stays as configured.
    env["PORTAL_RATELIMIT_LOGIN"] = "100 per minute;500 per hour"
    # Editors sign in with the password alone here (on the server they add a TOTP code).
    env["PORTAL_TWO_FACTOR_REQUIRED_ROLES"] = "[]"
    return env


def build_instance(instance: Path, env: dict, resources: int, members: int, editors: int):
    started = time.monotonic()
    flask(env, "init-db")  # the migrations, on SQLite or PostgreSQL
    flask(env, "create-org", "kok", "--name", "KOK Geschäftsstelle", "--kind", "office")
    data = instance / "load.jsonl"
    generate(data, resources)
    flask(env, "import", str(data))
    out = subprocess.run(
        [sys.executable, "-c", SETUP, PASSWORD, str(members), str(editors), "40"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        sys.exit(out.stderr)
    lines = {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines() if line}
    world = {
        "readable": [int(x) for x in lines["readable"]],
        "drafts": [int(x) for x in lines.get("drafts", [])],
        "attachments": [tuple(map(int, x.split(":"))) for x in lines["attachments"]],
    }
    print(f"instance ready in {time.monotonic() - started:.0f} s: {resources} resources")
    return world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--think", type=float, default=0.25, help="mean pause in seconds")
    parser.add_argument("--profile", type=Path, help="py-spy's samples of the server, to this file")
    options = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} not found: the load test reads ../shared/corpora")
    database = os.environ.get("PORTAL_TEST_DATABASE_URL")
    redis = os.environ.get("PORTAL_TEST_REDIS_URL")
    editors = max(1, options.users // 10)
    members = options.users - editors

    with tempfile.TemporaryDirectory(prefix="load-bench-") as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        drop_database = create_database(database, instance) if database else None
        env = instance_env(instance, options.workers, redis)
        backend = "PostgreSQL" if database else "SQLite"
        limits = "Redis" if redis else "memory:// (per worker)"
        print(
            f"{backend}, rate limits in {limits}, {options.workers} gunicorn workers, "
            f"{options.users} users ({editors} editors) for {options.duration:.0f} s"
        )
        world = build_instance(instance, env, options.resources, members, editors)

        port = free_port()
        env["PORTAL_BIND"] = f"127.0.0.1:{port}"
        log = (instance / "gunicorn.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal:create_app()"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2).close()  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.2)
            run_load(base, world, options, members, editors, env, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
            if drop_database is not None:
                drop_database()


def run_load(
    base: str, world: dict, options, members: int, editors: int, env: dict, server_pid: int
) -> None:
    stats = Stats()
    world["edits"] = defaultdict(list)
    world["published"] = []
    editable = [r for r in world["readable"] if r not in {a for a, _ in world["attachments"]}]
    shares = [
        {"edit": editable[k::editors][:20], "publish": world["drafts"][k::editors]}
        for k in range(editors)
    ]
    people = []
    for n in range(members):
        people.append(("member", f"member{n}@load.example", None))
    for k in range(editors):
        people.append(("editor", f"editor{k}@load.example", shares[k]))

    # Log everyone in first (Argon2 at its real cost), then the clock starts.
    persons = []
    for role, email, share in people:
        person = Person(base, stats)
        if not person.login(email):
            sys.exit(f"login of {email} failed")
        # Warm every worker's search (word lists, segment data) before the clock starts.
        person.request("search", f"/search/?q={urllib.parse.quote_plus(WORDS[len(persons) % 20])}")
        persons.append((role, person, share))
    print(f"{len(persons)} people logged in; load for {options.duration:.0f} s ...")
    stats.times.clear()
    stats.statuses.clear()

    spy = None
    if options.profile:
        spy = subprocess.Popen(
            [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(server_pid)]
            + ["--subprocesses", "--rate", "100", "--format", "raw", "--nonblocking"]
            + ["--duration", str(int(options.duration)), "--output", str(options.profile)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
    cpu = CpuMeter(server_pid)
    started = time.monotonic()
    deadline = started + options.duration
    threads = []
    for n, (role, person, share) in enumerate(persons):
        rng = random.Random(n)
        if role == "member":
            target, args = member_loop, (person, deadline, options.think, world, rng)
        else:
            target, args = editor_loop, (person, deadline, options.think, world, rng, share)
        threads.append(threading.Thread(target=target, args=args, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=options.duration + 120)
    stats.report(time.monotonic() - started)
    cpu.report(sum(len(t) for t in stats.times.values()))
    if spy is not None:
        if spy.wait(timeout=60) == 0:
            print(f"\nWhere the server's time went (py-spy, {options.profile}):")
            spy_report.report(options.profile, top=25, frames="portal/")
        else:
            print(f"\npy-spy failed (exit {spy.returncode}): no profile")

    edited = {rid: markers[-1] for rid, markers in world["edits"].items()}
    edits = sum(len(m) for m in world["edits"].values())
    print(f"\n{edits} edits of {len(edited)} resources, {len(world['published'])} published")
    check = flask_run(env, "check-index")
    if check.returncode and "Backlog" in check.stdout:
        print(f"check-index: exit {check.returncode}: {check.stdout.strip().splitlines()}")
        # Index tasks still waiting for a worker's drainer (the index's lock was busy when
        # their edit was saved) are not lost: apply them, then compare again.
        drain = flask_run(env, "drain-index")
        print(f"drain-index: {drain.stdout.strip()}")
        check = flask_run(env, "check-index")
    print(f"check-index: exit {check.returncode}: {check.stdout.strip().splitlines()}")
    verify = subprocess.run(
        [sys.executable, "-c", VERIFY],
        input="\n".join(f"{rid} {marker}" for rid, marker in edited.items()),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    print("every edit in the database and the index:", (verify.stdout or verify.stderr).strip())


if __name__ == "__main__":
    main()
