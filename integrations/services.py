"""Writes on integrations: the catalogue seed and (later) configuration changes."""

from __future__ import annotations

from django.db import transaction

from integrations.catalogue import CATALOGUE
from integrations.models import Integration, IntegrationState


@transaction.atomic
def catalogue_seed(*, entries: list[dict] | None = None) -> dict[str, int]:
    """Create the catalogue's integrations that are missing; never overwrite existing ones.

    Existing integrations only gain the catalogue's `config` keys they lack (new
    settings a release needs, e.g. a recovery step's hosting), never lose or change
    one an operator set. Dependencies named in the catalogue are added (never
    removed). Running it again changes nothing. Returns {"created", "existing", "updated"}.
    """
    entries = CATALOGUE if entries is None else entries
    created = updated = 0
    by_slug: dict[str, Integration] = {}
    for entry in entries:
        fields = {k: v for k, v in entry.items() if k not in {"slug", "depends_on"}}
        integration, was_created = Integration.objects.get_or_create(
            slug=entry["slug"], defaults=fields
        )
        IntegrationState.objects.get_or_create(integration=integration)
        by_slug[integration.slug] = integration
        created += was_created
        updated += not was_created and _add_missing_config(integration, entry.get("config", {}))
    for entry in entries:
        wanted = [by_slug[slug] for slug in entry.get("depends_on", []) if slug in by_slug]
        if wanted:
            by_slug[entry["slug"]].depends_on.add(*wanted)
    return {"created": created, "existing": len(entries) - created, "updated": updated}


def _add_missing_config(integration: Integration, defaults: dict) -> bool:
    missing = {k: v for k, v in defaults.items() if k not in (integration.config or {})}
    if not missing:
        return False
    integration.config = {**missing, **(integration.config or {})}
    integration.save(update_fields=["config", "updated_at"])
    return True
