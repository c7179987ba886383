"""A headless Chromium (Debian's) driven by Playwright, against the live server of
tests/conftest.py."""

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from werkzeug.serving import make_server

from portal import create_app
from portal.auth import passwords
from portal.demo import seed_demo
from portal.extensions import db, limiter
from tests.databases import as_string, write_instance_config

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def app_config(app_config):
    # Browser tests run with CSRF protection on, as in production.
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is missing: run ./scripts/ensure-test-tools.sh (make test does).")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page that records every request host it makes."""
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.requested_urls = []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    yield page
    context.close()


# --- one portal with the demo content per module (pages to look at, not to change) --------


@dataclass
class DemoPortal:
    app: Flask
    url: str
    #: e-mail -> one-time password of the demo accounts
    passwords: dict[str, str]

    def __str__(self) -> str:
        return self.url


@pytest.fixture(scope="module")
def demo_portal(tmp_path_factory, postgres_databases):
    """The portal with the demo organisations, accounts and knowledge base on a live server,
    shared by a module's tests (building it once keeps the browser tests fast)."""
    instance = tmp_path_factory.mktemp("demo") / "instance"
    database = postgres_databases.empty() if postgres_databases is not None else None
    if database is not None:
        write_instance_config(instance, as_string(database))
    app = create_app({"ENV_NAME": "test", "WTF_CSRF_ENABLED": True}, instance_path=instance)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
        )
        with app.app_context():
            db.create_all()
            accounts = dict(seed_demo())
            db.session.commit()
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["EXTERNAL_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield DemoPortal(app, url, accounts)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if database is not None:
        postgres_databases.drop(database)


AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core (npm, pinned in tests/browser/package.json)."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run ./scripts/ensure-test-tools.sh (make test does).")
    return AXE.read_text(encoding="utf-8")
