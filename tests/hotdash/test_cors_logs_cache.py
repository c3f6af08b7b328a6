"""Ecosystem conventions (issue 16 item 4): CORS for configured dashboard origins, JSON logs
with the request id, LOG_LEVEL, and throttling state shared through Redis when configured."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import uuid
from pathlib import Path

import pytest

from approvals.audit.context import RequestContext, request_context_reset, request_context_set
from hotdash.logs import JsonFormatter
from hotdash.settings.env import ConfigError, read_config
from tests.hotdash.shell import manage_shell

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = "https://dash.example.com"


@pytest.fixture
def dashboard_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [DASHBOARD]


@pytest.mark.django_db
def test_cors__preflight_from_the_dashboard__allowed_with_authorization(client, dashboard_origin):
    answer = client.options(
        "/api/v1/tiles/",
        HTTP_ORIGIN=DASHBOARD,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == DASHBOARD
    assert "authorization" in answer["Access-Control-Allow-Headers"]


@pytest.mark.django_db
def test_cors__other_origin__no_allow_header(client, dashboard_origin, viewer):
    client.force_login(viewer)
    answer = client.get("/api/v1/tiles/", HTTP_ORIGIN="https://evil.example.net")
    assert answer.status_code == 200
    assert "Access-Control-Allow-Origin" not in answer


@pytest.mark.django_db
def test_cors__console_pages__never_cross_origin(client, dashboard_origin):
    answer = client.get("/admin/login/", HTTP_ORIGIN=DASHBOARD)
    assert "Access-Control-Allow-Origin" not in answer


@pytest.mark.parametrize(
    "origin", ["dash.example.com", "https://dash.example.com/tiles", "ftp://x"]
)
def test_cors_origins__malformed__names_the_variable(origin):
    with pytest.raises(ConfigError, match="CORS_ALLOWED_ORIGINS"):
        read_config({"SECRET_KEY": "k", "CORS_ALLOWED_ORIGINS": origin})


def test_log_settings__read_and_checked():
    config = read_config({"SECRET_KEY": "k", "LOG_LEVEL": "debug", "LOG_FORMAT": "JSON"})
    assert (config.log_level, config.log_format) == ("DEBUG", "json")
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        read_config({"SECRET_KEY": "k", "LOG_LEVEL": "loud"})


def test_json_log__one_object_with_the_request_id():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("hotdash.test-json")
    logger.addHandler(handler)
    token = request_context_set(RequestContext(request_id="req-12345678"))
    try:
        logger.warning("probe of %s failed", "shopify")
    finally:
        request_context_reset(token)
        logger.removeHandler(handler)

    entry = json.loads(stream.getvalue())
    assert entry["message"] == "probe of shopify failed"
    assert (entry["level"], entry["logger"]) == ("WARNING", "hotdash.test-json")
    assert entry["request_id"] == "req-12345678"
    assert entry["time"].endswith("Z")


def test_production_env__json_logs_and_level_reach_django():
    code = (
        "from django.conf import settings as s;"
        "print(s.LOGGING['handlers']['console']['formatter'], s.LOGGING['loggers']['monitoring']['level'],"
        " s.CACHES['default']['BACKEND'])"
    )
    out = manage_shell(
        code, LOG_FORMAT="json", LOG_LEVEL="DEBUG", REDIS_URL="redis://127.0.0.1:6379/3"
    ).split()
    assert out == ["json", "DEBUG", "django.core.cache.backends.redis.RedisCache"]


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
    except OSError:
        return None
    return url


def test_throttle_state__shared_between_processes_through_redis():
    """Two cache clients stand for two web processes: a throttle's request history written
    by one is read by the other (DRF's SimpleRateThrottle keeps it in the default cache)."""
    url = _redis_url()
    if url is None:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    from django.core.cache.backends.redis import RedisCache

    prefix = f"hotdash-test-{uuid.uuid4().hex}"
    first, second = (RedisCache(url, {"KEY_PREFIX": prefix}) for _ in range(2))
    first.set("throttle_mutations_7", [1.0, 2.0, 3.0], 60)
    assert second.get("throttle_mutations_7") == [1.0, 2.0, 3.0]
    second.delete("throttle_mutations_7")
