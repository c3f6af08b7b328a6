"""probe_integration: the engine's one entry point never raises and classifies what it saw."""

from __future__ import annotations

import pytest
import responses

from integrations.models import Integration
from integrations.probes import probe_integration


def _integration(**fields) -> Integration:
    defaults = {
        "slug": "thing",
        "name": "Thing",
        "kind": "http",
        "base_url": "https://vendor.example",
        "mode": Integration.Mode.LIVE,
        "probe_timeout_seconds": 2.0,
        "config": {},
    }
    return Integration(**(defaults | fields))


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def test_http_probe__2xx__is_ok(mocked):
    mocked.get("https://vendor.example/status", json={"ok": True})
    outcome = probe_integration(_integration(config={"path": "/status"}))
    assert outcome.ok and outcome.http_status == 200 and outcome.latency_ms >= 0


def test_http_probe__503__is_vendor_5xx(mocked):
    mocked.get("https://vendor.example", status=501, body="nope")
    outcome = probe_integration(_integration())
    assert (outcome.ok, outcome.error_class, outcome.http_status) == (False, "vendor_5xx", 501)


def test_probe__unknown_kind__is_config_error():
    outcome = probe_integration(_integration(kind="nonesuch"))
    assert (outcome.ok, outcome.error_class) == (False, "config")


def test_shopify_probe__shop_query__is_ok(mocked, monkeypatch):
    monkeypatch.setenv("SHOPIFY_ADMIN_TOKEN", "shpat-live-secret")
    mocked.post(
        "https://shop.example/admin/api/2025-10/graphql.json",
        json={"data": {"shop": {"name": "Hot Rod AN"}}},
        match=[responses.matchers.header_matcher({"X-Shopify-Access-Token": "shpat-live-secret"})],
    )
    shop = _integration(
        kind="shopify",
        base_url="https://shop.example",
        credential_env={"token": "SHOPIFY_ADMIN_TOKEN"},
        config={"api_version": "2025-10"},
    )
    outcome = probe_integration(shop)
    assert outcome.ok, outcome
    assert "Hot Rod AN" in outcome.message


def test_shopify_probe__graphql_errors__is_contract(mocked, monkeypatch):
    monkeypatch.setenv("SHOPIFY_ADMIN_TOKEN", "shpat-live-secret")
    mocked.post(
        "https://shop.example/admin/api/2025-10/graphql.json",
        json={"errors": [{"message": "Field 'nope' doesn't exist"}]},
    )
    shop = _integration(
        kind="shopify",
        base_url="https://shop.example",
        credential_env={"token": "SHOPIFY_ADMIN_TOKEN"},
    )
    outcome = probe_integration(shop)
    assert (outcome.ok, outcome.error_class) == (False, "contract")


def test_shopify_probe__missing_variable__names_it(monkeypatch):
    monkeypatch.delenv("SHOPIFY_ADMIN_TOKEN", raising=False)
    shop = _integration(kind="shopify", credential_env={"token": "SHOPIFY_ADMIN_TOKEN"})
    outcome = probe_integration(shop)
    assert outcome.error_class == "config" and "SHOPIFY_ADMIN_TOKEN" in outcome.message


def test_probe__vendor_echoing_the_credential__message_is_scrubbed(mocked, monkeypatch, caplog):
    monkeypatch.setenv("SHOPIFY_ADMIN_TOKEN", "shpat-live-secret")
    for _ in range(3):
        mocked.post(
            "https://shop.example/admin/api/2025-10/graphql.json",
            status=500,
            json={"errors": "bad token shpat-live-secret"},
        )
    shop = _integration(
        kind="shopify",
        base_url="https://shop.example",
        credential_env={"token": "SHOPIFY_ADMIN_TOKEN"},
        config={"backoff_base_seconds": 0.001},
    )
    outcome = probe_integration(shop)
    assert outcome.error_class == "vendor_5xx"
    assert "shpat-live-secret" not in outcome.message and "[redacted]" in outcome.message
    assert "shpat-live-secret" not in caplog.text
