"""Shopify API version sunset notices (90 / 30 / 7 days ahead) and credential presence and
expiry — names and dates only, never values."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration, IntegrationState, WebhookEvent
from monitoring.models import Finding
from monitoring.slo.signals.credentials import credential_report, credentials_evaluate, jwt_expiry
from monitoring.slo.signals.sunset import sunset_date, sunset_evaluate, sunset_notice

pytestmark = pytest.mark.django_db


def shop(api_version="2025-10", **fields) -> Integration:
    integration = Integration.objects.create(
        slug=fields.pop("slug", "shopify"),
        name="Shopify",
        kind="shopify",
        base_url="https://hot-rod-an.myshopify.com",
        config={"api_version": api_version, **fields.pop("config", {})},
        credential_env={"token": "SHOPIFY_ADMIN_TOKEN"},
        **fields,
    )
    IntegrationState.objects.create(integration=integration, status="ok")
    return integration


def open_findings(kind):
    return list(Finding.objects.filter(kind=kind, status="open").order_by("pk"))


# -- sunset ---------------------------------------------------------------------------------


def test_sunset_date__twelve_months_after_release():
    assert sunset_date("2025-10", 12) == date(2026, 10, 1)
    assert sunset_date("2026-01", 12) == date(2027, 1, 1)
    assert sunset_date("unstable", 12) is None


@pytest.mark.parametrize(
    ("days_left", "notice"),
    [
        (120, None),
        (91, None),
        (90, "90d"),
        (31, "90d"),
        (30, "30d"),
        (8, "30d"),
        (7, "7d"),
        (1, "7d"),
        (0, "unsupported"),
        (-40, "unsupported"),
    ],
)
def test_sunset_notice__tiers(days_left, notice):
    assert sunset_notice(days_left, [90, 30, 7]) == notice


def test_sunset__each_notice_once_then_the_next():
    """2025-10 ends on 1 Oct 2026: a 90-day notice in July, 30 in September, 7 the last week."""
    shop()
    now = timezone.now()
    sunset_evaluate(date(2026, 7, 10), now)
    sunset_evaluate(date(2026, 7, 11), now)
    [first] = open_findings("api_sunset")
    assert first.key == "shopify:2025-10:90d" and first.severity == "warning"
    assert "support ends 2026-10-01 (82 days)" in first.title

    sunset_evaluate(date(2026, 9, 25), now)
    [second] = open_findings("api_sunset")
    assert second.key == "shopify:2025-10:7d" and second.severity == "critical"
    assert Finding.objects.get(pk=first.pk).status == "resolved"

    sunset_evaluate(date(2026, 10, 2), now)
    [third] = open_findings("api_sunset")
    assert third.key == "shopify:2025-10:unsupported" and "calls fall forward" in third.title


def test_sunset__a_newer_pin__settles_the_notice():
    integration = shop()
    sunset_evaluate(date(2026, 9, 25), timezone.now())
    integration.config = {"api_version": "2026-07"}
    integration.save()

    sunset_evaluate(date(2026, 9, 25), timezone.now())

    assert open_findings("api_sunset") == []


# -- credentials ----------------------------------------------------------------------------


def jwt(expires: datetime) -> str:
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part({'exp': int(expires.timestamp())})}.c2ln"


def test_jwt_expiry__reads_exp_only():
    assert jwt_expiry(jwt(datetime(2027, 1, 2, tzinfo=UTC))) == date(2027, 1, 2)
    assert jwt_expiry("shpat_plain_token") is None
    assert jwt_expiry("a.b.c") is None


def test_live_and_unset__missing_critical(monkeypatch):
    monkeypatch.delenv("SHOPIFY_ADMIN_TOKEN", raising=False)
    integration = shop(mode="live")

    report = credential_report(integration)
    credentials_evaluate(timezone.now())

    assert report["state"] == "missing"
    assert report["credentials"] == [
        {
            "role": "token",
            "variable": "SHOPIFY_ADMIN_TOKEN",
            "present": False,
            "expires": None,
            "days_left": None,
        }
    ]
    [finding] = open_findings("credential")
    assert finding.severity == "critical" and "SHOPIFY_ADMIN_TOKEN is not set" in finding.title


def test_sandbox_and_unset__shown_not_raised(monkeypatch):
    monkeypatch.delenv("SHOPIFY_ADMIN_TOKEN", raising=False)
    integration = shop(mode="sandbox")

    assert credential_report(integration)["state"] == "ok"
    credentials_evaluate(timezone.now())
    assert open_findings("credential") == []


def test_jwt_credential_expiring__warned_and_value_never_stored(monkeypatch):
    # Days left are counted in calendar days (the expiry's date less today's), so the token
    # expires at noon 12 days from now: the same answer at any time of day.
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    token = jwt(noon + timedelta(days=12))
    monkeypatch.setenv("SHOPIFY_ADMIN_TOKEN", token)
    shop(mode="live")

    credentials_evaluate(timezone.now())

    [finding] = open_findings("credential")
    assert finding.severity == "warning" and "expires in 12 days" in finding.title
    stored = json.dumps([finding.title, finding.detail, finding.data])
    assert token not in stored and token.split(".")[1] not in stored


def test_configured_expiry__critical_in_the_last_week(monkeypatch):
    monkeypatch.setenv("SHOPIFY_ADMIN_TOKEN", "shpat_x")
    soon = (timezone.now() + timedelta(days=3)).date().isoformat()
    shop(mode="live", config={"credential_expires": {"token": soon}})

    credentials_evaluate(timezone.now())

    [finding] = open_findings("credential")
    assert finding.severity == "critical" and finding.data["expires"] == soon


def test_app_uninstalled_webhook__revoked(monkeypatch):
    integration = shop()
    IntegrationState.objects.filter(pk=integration.pk).update(
        last_success_at=timezone.now() - timedelta(hours=1)
    )
    WebhookEvent.objects.create(source="shopify", event_id="e1", topic="app/uninstalled")
    integration.refresh_from_db()

    assert credential_report(integration)["revoked_because"] == "Shopify sent app/uninstalled"
    credentials_evaluate(timezone.now())
    assert [f.kind for f in open_findings("revoked")] == ["revoked"]
