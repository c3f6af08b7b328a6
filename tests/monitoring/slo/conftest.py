"""Factories for SLO tests: probe history written straight into raw results and rollups."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from monitoring.models import CheckResult, CheckRollup
from monitoring.rollups import BUCKETS_MS, floor_hour, percentiles


def histogram_of(latency_ms: float, count: int) -> list[int]:
    histogram = [0] * (len(BUCKETS_MS) + 1)
    histogram[bisect.bisect_left(BUCKETS_MS, latency_ms)] = count
    return histogram


def rollup(integration, hour: datetime, *, count=60, failures=0, latency_ms=50.0):
    histogram = histogram_of(latency_ms, count)
    return CheckRollup.objects.update_or_create(
        integration=integration,
        hour=floor_hour(hour),
        defaults={
            "count": count,
            "failures": failures,
            "latency_sum_ms": latency_ms * count,
            "latency_histogram": histogram,
            "min_ms": latency_ms,
            "max_ms": latency_ms,
            **percentiles(histogram, latency_ms, latency_ms),
        },
    )[0]


def rollups(integration, start: datetime, end: datetime, **fields) -> None:
    hour = floor_hour(start)
    while hour < end:
        rollup(integration, hour, **fields)
        hour += timedelta(hours=1)


def checks(integration, start: datetime, end: datetime, *, every_s=60, fail=False, latency_ms=50.0):
    rows, at = [], start
    while at < end:
        rows.append(
            CheckResult(
                integration=integration,
                checked_at=at,
                status="fail" if fail else "ok",
                latency_ms=latency_ms,
                error_class="vendor_5xx" if fail else "",
            )
        )
        at += timedelta(seconds=every_s)
    CheckResult.objects.bulk_create(rows)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def from_catalogue(db, sandbox, settings):
    """`from_catalogue("shopify", failures_before_down=1)`: the catalogue entry, saved, in
    sandbox mode against the test's vendor sandbox (over real HTTP)."""
    from integrations.catalogue import CATALOGUE
    from integrations.models import Integration, IntegrationState

    settings.SANDBOX_URL = sandbox.url

    def make(slug: str, **overrides):
        entry = next(e for e in CATALOGUE if e["slug"] == slug)
        fields = {k: v for k, v in entry.items() if k != "depends_on"}
        fields |= {"mode": "sandbox", "probe_timeout_seconds": 3.0} | overrides
        integration = Integration.objects.create(**fields)
        IntegrationState.objects.create(integration=integration)
        return integration

    return make
