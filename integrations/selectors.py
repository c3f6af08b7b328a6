"""Reads on integrations."""

from __future__ import annotations

from hotdash.errors import NotFound
from integrations.models import Integration

SLUG_SCHEMA = {
    "type": "object",
    "properties": {"slug": {"type": "string", "pattern": r"^[-a-zA-Z0-9_]{1,80}$"}},
    "required": ["slug"],
    "additionalProperties": False,
}


def integration_by_slug(slug: str) -> Integration:
    """The integration, or NotFound (404 `not_found`)."""
    integration = Integration.objects.filter(slug=slug).first()
    if integration is None:
        raise NotFound(f"No integration {slug!r}.")
    return integration
