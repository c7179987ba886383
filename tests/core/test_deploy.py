"""The files under deploy/ that docs/deployment.md installs: they load, and nginx proxies right.

`make test` installs nginx, openssl, logrotate and systemd from Debian packages
(scripts/ensure-deploy-tools.sh); a machine without them skips these tests with a reason.
"""

import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.audit.models import AuditEntry
from portal.extensions import db

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "kok-portal.conf"
HOST = "wissen.example.org"


def program(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None
    )
    if found is None:
        pytest.skip(f"{name} is not installed (scripts/ensure-deploy-tools.sh installs it)")
    return found


def env_file() -> dict[str, str]:
    lines = (DEPLOY / "portal.env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_every_systemd_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = program("systemd-analyze")
    env = tmp_path / "portal.env"
    env.write_text((DEPLOY / "portal.env.example").read_text())
    units = []
    # The units name the server's paths; here they point at this checkout and its venv.
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        text = unit.read_text()
        text = text.replace("/srv/kok-portal/app", str(ROOT))
        text = text.replace("/etc/kok-portal/portal.env", str(env))
        (tmp_path / unit.name).write_text(text)
        units.append(str(tmp_path / unit.name))
    assert len(units) == 9
    result = subprocess.run(
        [analyze, "verify", "--man=no", *units], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "is not executable" not in result.stderr, result.stderr
    assert "Unknown" not in result.stderr, result.stderr


def test_every_timer_starts_a_job_that_exists_and_every_job_has_a_timer(tmp_path):
    folder = DEPLOY / "systemd"
    timers = {p.stem for p in folder.glob("*.timer")}
    jobs = {p.stem for p in folder.glob("*.service")} - {"kok-portal"}
    assert (
        timers
        == jobs
        == {
            "kok-portal-send-alerts",
            "kok-portal-prune",
            "kok-portal-verify-audit",
            "kok-portal-backup",
        }
    )
    commands = " ".join(p.read_text() for p in folder.glob("*.service"))
    known = set(create_app({"ENV_NAME": "test"}, instance_path=tmp_path).cli.commands)
    for command in (
        "send-alerts",
        "send-digests",
        "prune-sessions",
        "prune-audit",
        "verify-audit",
        "backup",
    ):
        assert f"--app portal {command}" in commands
        assert command in known


def test_the_example_settings_pass_the_production_start_checks(tmp_path, monkeypatch):
    settings = env_file()
    for key in [k for k in os.environ if k.startswith("PORTAL_")]:
        monkeypatch.delenv(key)
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    # Only the database is swapped: the check must not need the server's PostgreSQL.
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/portal.sqlite3")
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app()
    assert app.config["REFUSE_UNSAFE_CONFIG"] and app.config["WORKERS"] == 4
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert app.config["PROXY_COUNT"] == 1


def test_the_log_rotation_parses(tmp_path):
    logrotate = program("logrotate")
    state = tmp_path / "state"
    result = subprocess.run(
        [logrotate, "--debug", "--state", str(state), str(DEPLOY / "logrotate" / "kok-portal")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr


# --- nginx in front of the portal ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def certificate(tmp_path):
    openssl = program("openssl")
    key, cert = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={HOST}", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return key, cert


def nginx_config(tmp_path, certificate, http_port=80, https_port=443, upstream=8000) -> Path:
    """The shipped site, with the test certificate, log folder and (for a real run) ports."""
    key, cert = certificate
    site = SITE.read_text()
    site = site.replace(f"/etc/letsencrypt/live/{HOST}/fullchain.pem", str(cert))
    site = site.replace(f"/etc/letsencrypt/live/{HOST}/privkey.pem", str(key))
    site = site.replace("/var/log/nginx", str(tmp_path))
    site = site.replace("    listen [::]:80;\n", "").replace("    listen [::]:443 ssl http2;\n", "")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{upstream}")
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    main.write_text(
        f"{user}\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/main-error.log;\n"
        "daemon off;\nevents {}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path}/body;\n"
        f" proxy_temp_path {tmp_path}/proxy;\n include {tmp_path}/site.conf;\n}}\n"
    )
    return main


def test_the_nginx_site_passes_nginx_t(tmp_path, certificate):
    nginx = program("nginx")
    main = nginx_config(tmp_path, certificate)
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.fixture
def app_config():
    return {"ENV_NAME": "test", "PROXY_COUNT": 1, "HTTPS": True, "TRUSTED_HOSTS": [HOST]}


@pytest.fixture
def behind_nginx(app, tmp_path, certificate):
    """The portal on a local server with the shipped nginx site in front; yields the ports."""
    nginx = program("nginx")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    http_port, https_port = _free_port(), _free_port()
    main = nginx_config(tmp_path, certificate, http_port, https_port, server.server_port)
    proxy = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-c", str(main)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                assert proxy.poll() is None, proxy.stderr.read()
                time.sleep(0.1)
        yield http_port, https_port
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
        proxy.stderr.close()
        server.shutdown()
        thread.join()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, data: bytes | None = None, headers: dict | None = None):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test certificate is self-signed
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect())
    headers = {"Host": HOST, **(headers or {})}
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 (http/https)
    try:
        response = opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return response.status, response.headers, response.read().decode()


def test_nginx_redirects_to_https_and_sends_exactly_one_hsts_header(behind_nginx, no_limits):
    http_port, https_port = behind_nginx
    status, headers, _ = fetch(f"http://127.0.0.1:{http_port}/healthz")
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/healthz"
    status, headers, _ = fetch(f"https://127.0.0.1:{https_port}/healthz")
    assert status == 200
    assert headers.get_all("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]
    assert "nginx/" not in (headers.get("Server") or "")  # no version


def test_behind_nginx_the_portal_sees_the_client_address_and_https_never_a_forged_one(
    app, behind_nginx, no_limits, create_user
):
    _, https_port = behind_nginx
    user = create_user()
    status, _, page = fetch(f"https://127.0.0.1:{https_port}/auth/login")
    assert status == 200 and 'action="/auth/login"' in page
    status, _, _ = fetch(
        f"https://127.0.0.1:{https_port}/auth/login",
        data=urllib.parse.urlencode({"email": user.email, "password": "falsch"}).encode(),
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert status == 200
    with app.app_context():
        addresses = set(db.session.scalars(db.select(AuditEntry.ip_address)))
    # nginx replaced the forged header with the real peer (127.0.0.1, truncated to /24).
    assert addresses == {"127.0.0.0/24"}


@pytest.fixture
def no_limits(app):
    from portal.extensions import limiter

    limiter.enabled = False
    yield
    limiter.enabled = True
