"""Shared fixtures: an app on a temporary instance folder, clients, builders, an SMTP sink."""

import os
import re
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher
from sqlalchemy import event
from sqlalchemy.pool import Pool
from werkzeug.serving import make_server

from portal import background, create_app
from portal.auth import passwords
from portal.auth.models import User
from portal.extensions import db, limiter
from portal.orgs.models import Organisation
from portal.search import outbox
from tests.compile_cache import (
    TemplateCodeCache,
    share_rule_parsing,
    share_sql_compilation,
    share_url_builders,
)
from tests.databases import (
    ON_POSTGRES,
    POSTGRES_URL,
    PostgresDatabases,
    as_string,
    write_instance_config,
)
from tests.helpers import PASSWORD, AuthActions, free_port

SQLITE_FILE = "portal.sqlite3"  # the default database in the instance folder (see portal.setup)


def pytest_configure(config):
    """Temporary folders (`tmp_path`: instance folders, databases, indexes) in memory where
    the machine has a writable /dev/shm.

    Each test writes dozens of small files (an SQLite database with its WAL, Whoosh segments
    at every commit, uploads); on this machine's shared disk creating a file took up to a
    millisecond, and the whole suite waited for it. Nothing the tests check depends on the
    disk. PYTEST_DEBUG_TEMPROOT is pytest's documented setting for where its folders go; one
    set by hand wins. (pyproject.toml keeps only the folders of failed tests.) A small /dev/shm
    (containers often have 64 MB) is left alone: a full one would fail tests that write files.
    """
    shm = Path("/dev/shm")  # noqa: S108 - pytest makes its own private folders inside
    if (
        "PYTEST_DEBUG_TEMPROOT" not in os.environ
        and shm.is_dir()
        and os.access(shm, os.W_OK)
        and shutil.disk_usage(shm).free >= 2 * 2**30
    ):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (``--dist loadgroup``) the browser tests share one worker, so one
    Chromium starts; everything else is spread over all workers. (Without xdist, as with
    ``-p no:xdist`` for a profile, its marker is unknown and there is nothing to group.)"""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session", autouse=True)
def compiled_code_once():
    """Every app of this test process shares werkzeug's parsed URL rules and URL builders and
    SQLAlchemy's compiled SQL (tests/compile_cache.py)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        share_rule_parsing(monkeypatch)
        share_url_builders(monkeypatch)
        share_sql_compilation(monkeypatch)
        yield


@pytest.fixture(scope="session", autouse=True)
def sqlite_without_disk_syncs():
    """SQLite in the test process does not wait for the disk after each commit.

    Every commit waited for an fsync of the WAL (about 1 ms on an ext4 /tmp, several commits
    per test). Unsynced writes are lost only if the machine itself crashes, and a test's
    database does not outlive the test; processes a test starts (CLI, workers) keep SQLite's
    default. What the portal sets (WAL, busy timeout, foreign keys) is unchanged.
    """

    def no_sync(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    event.listen(Pool, "connect", no_sync)
    yield
    event.remove(Pool, "connect", no_sync)


TEMPLATE_CODE = TemplateCodeCache()  # templates compiled once per test process


@pytest.fixture(autouse=True)
def cheap_password_hashing(request, monkeypatch):
    """Argon2 with tiny costs: most tests are about access, not hashing.

    Tests about hashing itself are marked ``real_argon2`` and keep the library's defaults.
    """
    if not request.node.get_closest_marker("real_argon2"):
        monkeypatch.setattr(
            passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
        )
    # The dummy hash (for unknown accounts) is made once with whichever hasher is in place.
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture
def app_config(tmp_path):
    """Settings a test can extend before the app is built."""
    return {"ENV_NAME": "test"}


@pytest.fixture(scope="session")
def postgres_databases():
    """This test process's PostgreSQL databases; None on SQLite (see tests/databases.py)."""
    if not ON_POSTGRES:
        yield None
        return
    databases = PostgresDatabases(POSTGRES_URL, os.environ.get("PYTEST_XDIST_WORKER", "main"))
    yield databases
    databases.close()


@pytest.fixture
def fresh_instance(postgres_databases):
    """Prepare an instance folder with an empty database: SQLite file or new PostgreSQL one."""
    created = []

    def make(path: Path) -> Path:
        if postgres_databases is not None:
            url = postgres_databases.empty()
            created.append(url)
            write_instance_config(Path(path), as_string(url))
        return Path(path)

    yield make
    for url in created:
        postgres_databases.drop(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file with every table, made once per test process: copying it takes a
    millisecond, creating the tables for each test took most of a test's setup."""
    instance = tmp_path_factory.mktemp("template") / "instance"
    template = create_app({"ENV_NAME": "test"}, instance_path=instance)
    with template.app_context():
        db.create_all()
        db.engine.dispose()  # the last connection checkpoints the WAL into the file
    return instance / SQLITE_FILE


@pytest.fixture
def app(tmp_path, app_config, postgres_databases, request):
    instance = tmp_path / "instance"
    from_template = False
    if postgres_databases is not None:
        write_instance_config(instance, as_string(postgres_databases.shared()))
    elif "DATABASE_URL" not in app_config:
        instance.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), instance / SQLITE_FILE)
        from_template = True
    app = create_app(app_config, instance_path=instance)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    if not from_template:  # the template has every table; checking them took 5 ms a test
        with app.app_context():
            db.create_all()
    limiter.reset()
    yield app
    # What the test's requests left running (the index drainer, mails) ends with the test: it
    # must not reach into the next test, nor find the test's folder gone (tmp_path of a passed
    # test is removed at its end).
    outbox.drainer.wait(60)
    background.wait_idle(30)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def create_org(app):
    counter = iter(range(1, 10_000))

    def make(slug=None, kind="member", name=None, **fields) -> Organisation:
        n = next(counter)
        with app.app_context():
            org = Organisation(
                slug=slug or f"org-{n}",
                name=name or f"Beratungsstelle {n}",
                kind=kind,
                **fields,
            )
            db.session.add(org)
            db.session.commit()
            db.session.refresh(org)
            db.session.expunge(org)
            return org

    return make


@pytest.fixture
def office(create_org):
    return create_org(slug="kok", kind="office", name="KOK Geschäftsstelle")


@pytest.fixture
def member_org(create_org):
    return create_org(slug="fbs-nord", name="Fachberatungsstelle Nord")


@pytest.fixture
def create_user(app, member_org):
    counter = iter(range(1, 10_000))

    def make(email=None, role="member", organisation=None, password=PASSWORD, **fields) -> User:
        n = next(counter)
        with app.app_context():
            user = User(
                email=email or f"person{n}@example.org",
                name=fields.pop("name", f"Person {n}"),
                organisation_id=(organisation or member_org).id,
                role=role,
                **fields,
            )
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(client, auth, create_user, office):
    """Log in a new user with the given role (editors and admins belong to the office)."""

    def make(role="member", organisation=None):
        org = organisation or (office if role in ("editor", "admin") else None)
        user = create_user(role=role, organisation=org)
        response = auth.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return make


# --- a real SMTP server on a free local port ---------------------------------------------


class Mailbox:
    def __init__(self):
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        background.wait_idle()  # mails sent after the answer (password reset) arrive first
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    @staticmethod
    def body(message: Message) -> str:
        return message.get_content()

    def last_link(self, address: str) -> str:
        """The last http link in the newest mail to `address`."""
        body = self.body(self.to(address)[-1])
        return re.findall(r"https?://\S+", body)[-1]


@pytest.fixture
def smtp_sink(app):
    """Start aiosmtpd; the app sends to it over real SMTP (no TLS, no login)."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield mailbox
    controller.stop()


# --- the app on a real HTTP server ---------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    url: str
    port: int

    def __str__(self) -> str:
        return self.url


@pytest.fixture
def live_server(app):
    """The app on a real (threaded werkzeug) HTTP server on a free local port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["EXTERNAL_BASE_URL"] = url
    # shutdown() waits for the loop's next look at its flag: half a second by default.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield LiveServer(url, server.server_port)
    server.shutdown()
    thread.join(timeout=5)


# --- knowledge-base resources --------------------------------------------------------------


@pytest.fixture
def create_resource(app, member_org):
    """Build a resource through the models and commit it (this also indexes it).

    ``court``: a name or alias from the court catalogue; ``norms``: citations such as
    "§ 232a StGB"; ``attachments``: extracted texts. Other keywords set Resource columns.
    """
    from portal.legal.citations import parse_norm
    from portal.legal.courts import find_court
    from portal.legal.file_numbers import file_number_key
    from portal.resources.models import Attachment, Court, Resource, ResourceNorm

    counter = iter(range(1, 100_000))

    def make(
        title=None,
        organisation=None,
        status="published",
        visibility="members",
        type="case_law",
        court=None,
        norms=(),
        attachments=(),
        **fields,
    ) -> Resource:
        n = next(counter)
        with app.app_context():
            resource = Resource(
                type=type,
                title=title or f"Ressource {n}",
                organisation_id=(organisation or member_org).id,
                status=status,
                visibility=visibility,
                **fields,
            )
            if resource.file_number and not resource.file_number_key:
                resource.file_number_key = file_number_key(resource.file_number)
            if court:
                entry = find_court(court)
                row = db.session.scalar(db.select(Court).filter_by(slug=entry.slug))
                if row is None:
                    row = Court(
                        slug=entry.slug,
                        name=entry.name,
                        short_name=entry.short_name,
                        level=entry.level,
                        federal_state=entry.state,
                        aliases=list(entry.aliases),
                    )
                resource.court = row
            for position, citation in enumerate(norms):
                norm = parse_norm(citation)
                resource.norms.append(
                    ResourceNorm(key=norm.key, label=norm.label, slug=norm.slug, position=position)
                )
            for i, text in enumerate(attachments):
                resource.attachments.append(
                    Attachment(
                        filename=f"anhang-{n}-{i}.txt",
                        stored_name=f"stored-{n}-{i}",
                        kind="txt",
                        mimetype="text/plain",
                        size=len(text),
                        sha256="0" * 64,
                        text=text,
                    )
                )
            db.session.add(resource)
            db.session.commit()
            db.session.refresh(resource)
            db.session.expunge(resource)
            return resource

    return make


SHARED_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


@pytest.fixture
def shared_corpus():
    """Path of a file in ../shared/corpora (real legal text); skips where a machine lacks it."""

    def path(name: str) -> Path:
        found = SHARED_CORPORA / name
        if not found.exists():
            pytest.skip(f"{found} not found: these tests read ../shared/corpora")
        return found

    return path
