"""The sample nginx config of docs/deploy.md (docs/deploy/nginx.conf), run as it is in front of two
real ``boardkit serve`` processes: TLS with a certificate made here, the login mail's link through
the proxy, secure cookies, the client's address and scheme forwarded, the body limits of the app,
both upstreams used, /metrics kept inside, and an access log without any personal link's secret.

nginx runs as a foreground master process under the test's temporary directory (its own pid, logs
and temp paths); Debian's ``nginx-light`` provides it (``make system-deps``)."""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.models import WebSession
from tests.helpers import csrf_from
from tests.smtp import SMTPServer, free_port, text_part

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "docs" / "deploy" / "nginx.conf"
BOARDKIT = Path(sys.executable).parent / "boardkit"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CLIENT_ADDRESS = "127.0.0.5"  # the browser: any loopback address but the proxy's own

pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx-light; `make system-deps` does it)"
)


@dataclass
class Site:
    base: str  # https://localhost:PORT, through nginx
    http_base: str  # the plain-HTTP server that redirects
    app_ports: tuple[int, int]
    ca: ssl.SSLContext
    access_log: Path
    smtp: SMTPServer
    db_url: str

    def client(self, **kwargs: object) -> httpx.Client:
        transport = httpx.HTTPTransport(verify=self.ca, local_address=CLIENT_ADDRESS)
        return httpx.Client(base_url=self.base, transport=transport, timeout=30, **kwargs)  # type: ignore[arg-type]


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def render(config: str, replacements: dict[str, str]) -> str:
    """The sample config with this test's ports and paths; each value replaced must be in it."""
    for old, new in replacements.items():
        assert old in config, f"docs/deploy/nginx.conf no longer contains {old!r}"
        config = config.replace(old, new)
    return config


def wait_for(url: str, proc: subprocess.Popen[bytes], **kwargs: object) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1, **kwargs)  # type: ignore[arg-type]
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_demo_template) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("proxy")
    data = tmp / "data"
    data.mkdir(mode=0o700)
    shutil.copy(sqlite_demo_template(), data / "boardkit.sqlite3")
    smtp = SMTPServer()
    smtp.start()
    ports = (free_port(), free_port())
    tls_port, http_port = free_port(), free_port()
    base = f"https://localhost:{tls_port}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            env = {k: v for k, v in os.environ.items() if not k.startswith("BOARDKIT_")}
            env.update(
                BOARDKIT_DATA_DIR=str(data),
                BOARDKIT_PORT=str(port),
                BOARDKIT_BASE_URL=base,
                BOARDKIT_SECRET_KEY="proxy-test",
                BOARDKIT_SMTP_URL=smtp.url,
            )
            with (tmp / f"app-{port}.log").open("wb") as log:
                procs.append(subprocess.Popen([str(BOARDKIT), "serve"], env=env, stdout=log, stderr=log))
        cert, key = self_signed(tmp)
        access_log = tmp / "access.log"
        site_conf = render(
            CONFIG.read_text(),
            {
                "server 127.0.0.1:8001": f"server 127.0.0.1:{ports[0]}",
                "server 127.0.0.1:8002": f"server 127.0.0.1:{ports[1]}",
                "listen 80;": f"listen 127.0.0.1:{http_port};",
                "listen [::]:80;": "",
                "listen 443 ssl http2;": f"listen 127.0.0.1:{tls_port} ssl http2;",
                "listen [::]:443 ssl http2;": "",
                "/etc/letsencrypt/live/boardkit.example.dk/fullchain.pem": str(cert),
                "/etc/letsencrypt/live/boardkit.example.dk/privkey.pem": str(key),
                "/var/log/nginx/boardkit.access.log": str(access_log),
            },
        )
        (tmp / "boardkit.conf").write_text(site_conf)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp / sub).mkdir()
        temp_paths = "\n".join(
            f"    {sub}_temp_path {tmp / sub};" for sub in ("proxy", "fastcgi", "uwsgi", "scgi")
        )
        (tmp / "nginx.conf").write_text(
            f"""daemon off;
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp / "body"};
{temp_paths}
    include {tmp / "boardkit.conf"};
}}
"""
        )
        with (tmp / "nginx.out").open("wb") as out:
            nginx = subprocess.Popen(
                [str(NGINX), "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
                stdout=out,
                stderr=out,
            )
        procs.append(nginx)
        for port, proc in zip(ports, procs, strict=False):
            wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        ca = ssl.create_default_context(cafile=str(cert))
        wait_for(base + "/healthz", nginx, verify=ca)
        yield Site(
            base=base,
            http_base=f"http://localhost:{http_port}",
            app_ports=ports,
            ca=ca,
            access_log=access_log,
            smtp=smtp,
            db_url=f"sqlite:///{data / 'boardkit.sqlite3'}",
        )
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        smtp.stop()


def login_link(site: Site, address: str) -> str:
    for _ in range(200):
        for mail in site.smtp.inbox.to(address):  # reminders come too
            if match := re.search(r"https://\S+/login/link/[\w-]+", text_part(mail)):
                return match.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no login mail to {address}")


def test_login_through_the_proxy_with_https_links_secure_cookies_and_a_clean_access_log(site: Site) -> None:
    with site.client() as browser:
        page = browser.get("/login")
        assert page.status_code == 200 and "csrf_token" in page.text
        sent = browser.post(
            "/login",
            data={"csrf_token": csrf_from(page.text), "email": "formand@demo.boardkit.dk", "next": ""},
            # A client's own forwarding headers must not reach the app (it trusts the proxy's).
            headers={"X-Forwarded-For": "10.9.9.9", "X-Forwarded-Proto": "http"},
        )
        assert sent.status_code == 200, sent.text

        link = login_link(site, "formand@demo.boardkit.dk")
        assert link.startswith(site.base + "/login/link/")  # BOARDKIT_BASE_URL, the public https address
        secret = link.rsplit("/", 1)[1]
        confirm = browser.get(link.removeprefix(site.base), headers={"Referer": link})
        assert confirm.status_code == 200 and "csrf_token" in confirm.text
        done = browser.post(
            link.removeprefix(site.base),
            data={"csrf_token": csrf_from(confirm.text)},
            headers={"X-Forwarded-For": "10.9.9.9", "Referer": link},
        )
        assert done.status_code == 303, done.text
        cookie = next(v for k, v in done.headers.multi_items() if k == "set-cookie" and "bk_session=" in v)
        assert "Secure" in cookie and "HttpOnly" in cookie
        home = browser.get("/")
        assert home.status_code == 200 and "Engparken" in home.text
        assert "max-age=" in home.headers["strict-transport-security"]

        # Starlette builds this redirect from the request's scheme and host: X-Forwarded-Proto and
        # the Host with its port reach the app.
        slash = browser.get("/login/", follow_redirects=False)
        assert slash.headers["location"].startswith(site.base + "/login"), slash.headers

        # Other personal links, and a page reached from a login link (the Referer), in the log.
        for path in (
            "/n/HemmeligKvittering",
            "/rsvp/1.2.3.HemmeligSvar?response=accepted",
            "/calendar/HemmeligFeed.ics",
        ):
            browser.get(path, headers={"Referer": f"{site.base}/login/link/HemmeligReferer"})

    database = Database(site.db_url)
    with database.transaction() as s:
        ips = set(s.scalars(select(WebSession.ip).order_by(WebSession.id.desc()).limit(1)))
    database.dispose()
    assert ips == {CLIENT_ADDRESS}  # the browser's address, neither the proxy's nor a forged one

    log = site.access_log.read_text()
    assert "/login/link/******** HTTP/" in log and "/n/******** HTTP/" in log, log
    assert "/rsvp/********?response=accepted" in log and '/login/link/********"' in log, log
    assert secret not in log and "Hemmelig" not in log, log
    assert CLIENT_ADDRESS in log and "10.9.9.9" not in log


def test_both_app_processes_serve_and_metrics_stay_inside(site: Site) -> None:
    with site.client() as browser:
        for _ in range(12):
            assert browser.get("/healthz").text == "ok"
        assert browser.get("/metrics").status_code == 404
        assert browser.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
    # Even from the machine itself, which the app alone would answer: the proxy keeps it inside.
    assert httpx.get(site.base + "/metrics", verify=site.ca, timeout=10).status_code == 404
    upstreams = set(re.findall(r"upstream=127\.0\.0\.1:(\d+)", site.access_log.read_text()))
    assert upstreams >= {str(p) for p in site.app_ports}, upstreams
    # The monitoring scrapes an app process directly, from its own machine.
    direct = httpx.get(f"http://127.0.0.1:{site.app_ports[0]}/metrics", timeout=10)
    assert direct.status_code == 200 and "boardkit_http_requests_total" in direct.text

    plain = httpx.get(site.http_base + "/meetings?x=1", follow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["location"] == "https://localhost/meetings?x=1"


def test_bodies_over_the_apps_limit_get_a_clear_413(site: Site) -> None:
    config = CONFIG.read_text()
    assert "client_max_body_size 25m;" in config and Settings.max_body_bytes == 25 * 1024 * 1024
    assert "client_max_body_size 1g;" in config and Settings.max_video_bytes == 1024**3
    limit = Settings.max_body_bytes
    with site.client() as browser:
        # At the limit the body reaches the app (which answers it: no login, so not 413).
        at_limit = browser.post(
            "/api/v1/proposals", content=b"x" * limit, headers={"Content-Type": "text/plain"}
        )
        assert at_limit.status_code in (404, 405), at_limit.text  # the app's answer, in its JSON
        assert at_limit.json()["error"]["code"] in ("not_found", "method_not_allowed")
        over = browser.post(
            "/api/v1/proposals", content=b"x" * (limit + 1), headers={"Content-Type": "text/plain"}
        )
        assert over.status_code == 413
        assert over.json() == {"error": {"code": "too_large", "message": "Forespørgslen er for stor."}}
        page = browser.post("/expenses", content=b"x" * (limit + 1), headers={"Content-Type": "text/plain"})
        assert page.status_code == 413 and "text/html" in page.headers["content-type"]
        assert "Forespørgslen er for stor." in page.text
