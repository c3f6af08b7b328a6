"""Writes on integrations: the catalogue seed and (later) configuration changes."""

from __future__ import annotations

from django.db import transaction

from approvals.models import FeatureFlag
from approvals.services import flag_ensure
from integrations.catalogue import CATALOGUE
from integrations.models import Integration, IntegrationState


@transaction.atomic
def catalogue_seed(*, entries: list[dict] | None = None) -> dict[str, int]:
    """Create the catalogue's integrations that are missing; never overwrite existing ones.

    Returns {"created": n, "existing": m}. Dependencies named in the catalogue
    are added (never removed), so running it again changes nothing.
    """
    entries = CATALOGUE if entries is None else entries
    created = 0
    by_slug: dict[str, Integration] = {}
    for entry in entries:
        fields = {k: v for k, v in entry.items() if k not in {"slug", "depends_on"}}
        integration, was_created = Integration.objects.get_or_create(
            slug=entry["slug"], defaults=fields
        )
        IntegrationState.objects.get_or_create(integration=integration)
        by_slug[integration.slug] = integration
        created += was_created
    for entry in entries:
        wanted = [by_slug[slug] for slug in entry.get("depends_on", []) if slug in by_slug]
        if wanted:
            by_slug[entry["slug"]].depends_on.add(*wanted)
    return {"created": created, "existing": len(entries) - created}


def live_flag_key(slug: str) -> str:
    """The feature flag that decides sandbox vs live for one integration."""
    return f"integrations.{slug}.live"


def live_flags_seed() -> int:
    """Ensure every integration has its `integrations.<slug>.live` flag (off). Returns created."""
    created = 0
    for slug in Integration.objects.values_list("slug", flat=True):
        created += flag_ensure(
            key=live_flag_key(slug),
            kind=FeatureFlag.Kind.RELEASE,
            scope=FeatureFlag.Scope.INTEGRATION,
            scope_target=slug,
            description=f"Talk to the real vendor for {slug} (off: the vendor sandbox).",
            owner="platform",
        )
    return created
