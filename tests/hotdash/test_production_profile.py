"""The production profile behind a TLS-terminating proxy, served for real by gunicorn.

Issue 15 item 2: health, readiness and metrics answered 301 → https to plain-HTTP probes;
/static/ answered 404; there was no Content-Security-Policy. One gunicorn on a free port
with `hotdash.settings.production`, after `migrate` and `collectstatic`, asked over HTTP.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.hotdash.production import free_port, production_environ, wait_until_answering

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The base URL of a production-profile gunicorn on a fresh SQLite file."""
    base_env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"}
    }
    env = production_environ(tmp_path_factory.mktemp("production"), base_env)
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
        wait_until_answering(f"{base}/healthz", server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


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
