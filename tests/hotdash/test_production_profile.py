"""The production profile behind a TLS-terminating proxy, served for real by gunicorn.

Issue 15 item 2: health, readiness and metrics answered 301 → https to plain-HTTP probes;
/static/ answered 404; there was no Content-Security-Policy. One gunicorn on a free port
with `hotdash.settings.production`, after `migrate` and `collectstatic`, asked over HTTP.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """(base URL, static root) of a production-profile gunicorn on a fresh SQLite file."""
    home = tmp_path_factory.mktemp("production")
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "hotdash.settings.production",
        "SECRET_KEY": "production-profile-test-key-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(home / "static"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, timeout=240)
    port = free_port()
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "hotdash.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_for(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stderr.read().decode()[-2000:])
        try:
            requests.get(f"{base}/healthz", timeout=5, allow_redirects=False)
            return
        except requests.RequestException:  # not listening yet, or still loading Django
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 60 s")


PROXIED = {"X-Forwarded-Proto": "https"}  # what the TLS-terminating proxy adds


def get(url: str, **headers) -> requests.Response:
    return requests.get(url, headers=headers, timeout=10, allow_redirects=False)


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes__plain_http__answer_without_redirect(production, path):
    response = get(production + path)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_metrics__plain_http__no_redirect(production):
    # Prometheus scrapes over plain HTTP inside the network; the token is still required.
    assert get(production + "/metrics").status_code in {401, 403}


def test_pages__plain_http__redirect_to_https(production):
    response = get(production + "/admin/login/")
    assert response.status_code == 301
    assert re.fullmatch(r"https://127\.0\.0\.1(:\d+)?/admin/login/", response.headers["Location"])


def test_pages__through_the_proxy__served_with_hsts(production):
    response = get(production + "/admin/login/", **{"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_static__hashed_and_compressed__cached_for_a_year(production):
    page = get(production + "/admin/login/", **{"X-Forwarded-Proto": "https"}).text
    css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page)
    assert css, "the console links its CSS by content hash"

    response = get(production + css.group(1), **{"Accept-Encoding": "gzip", **PROXIED})

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]


def test_static__console_script__served(production):
    page = get(production + "/admin/login/", **{"X-Forwarded-Proto": "https"}).text
    assert "/static/hotdash/console." in page
    url = re.search(r"(/static/hotdash/console\.[0-9a-f]{12}\.css)", page).group(1)
    assert get(production + url, **{"X-Forwarded-Proto": "https"}).status_code == 200


def test_swagger_ui__static_files__served(production):
    page = get(production + "/api/docs/", **{"X-Forwarded-Proto": "https"})
    assert page.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts, "Swagger UI loads its scripts as files"
    for src in scripts:
        assert get(production + src, **{"X-Forwarded-Proto": "https"}).status_code == 200, src


def test_every_answer__carries_the_content_security_policy(production):
    for path in ("/healthz", "/admin/login/", "/api/docs/"):
        policy = get(production + path, **{"X-Forwarded-Proto": "https"}).headers[
            "Content-Security-Policy"
        ]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-eval" not in policy
