"""Catalogue integrations pointed at the vendor sandbox over real HTTP."""

from __future__ import annotations

import pytest

from integrations.catalogue import CATALOGUE
from integrations.models import Integration, IntegrationState


@pytest.fixture
def make_integration(db, sandbox, settings):
    """`make_integration("shopify", probe_timeout_seconds=2)`: the catalogue entry, saved, in sandbox mode."""
    settings.SANDBOX_URL = sandbox.url

    def make(slug: str, **overrides) -> Integration:
        entry = next(e for e in CATALOGUE if e["slug"] == slug)
        fields = {k: v for k, v in entry.items() if k != "depends_on"}
        fields |= {"mode": Integration.Mode.SANDBOX, "probe_timeout_seconds": 3.0} | overrides
        integration = Integration.objects.create(**fields)
        IntegrationState.objects.create(integration=integration)
        return integration

    return make
