"""The store's integrations pointed at the vendor sandbox, with the sandbox clock stopped.

Known answers come from `sandbox.data` at the same frozen `NOW`
the sandbox serves from, so they hold to the second.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from integrations.catalogue import CATALOGUE
from integrations.models import Integration
from integrations.services import catalogue_seed

NOW = datetime(2026, 5, 12, 20, 0, tzinfo=UTC)  # Tuesday 13:00 in Los Angeles
STORE_TZ = ZoneInfo("America/Los_Angeles")
SLUGS = ("shopify", "chatwoot", "ga4", "supabase")


def store_day_start(day: date) -> datetime:
    """Midnight of the store's `day` in UTC (computed here, not by the code under test)."""
    return datetime.combine(day, time(), STORE_TZ).astimezone(UTC)


@pytest.fixture
def frozen_sandbox(sandbox, monkeypatch):
    """The vendor sandbox with its clock stopped at NOW."""
    monkeypatch.setattr(sandbox.server.app.ctx, "now", lambda: NOW)
    return sandbox


@pytest.fixture
def store(db, frozen_sandbox, settings):
    """shopify, chatwoot, ga4 and supabase from the catalogue, in sandbox mode, at the sandbox.

    Calls are not repeated (max_attempts 1), so failure stories stay fast.
    """
    settings.SANDBOX_URL = frozen_sandbox.url
    settings.STORE_TIME_ZONE = "America/Los_Angeles"
    catalogue_seed(entries=[e for e in CATALOGUE if e["slug"] in SLUGS])
    for integration in Integration.objects.all():
        integration.config = {**integration.config, "max_attempts": 1}
        integration.save(update_fields=["config"])
    return {i.slug: i for i in Integration.objects.all()}
