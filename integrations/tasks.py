"""Jobs of the integrations app (django-q2). Tasks take ids and keys, never model objects."""

from __future__ import annotations


def tiles_refresh_task(keys: list[str] | None = None) -> dict:
    """Refresh the given tiles, or (scheduled, every minute) those whose refresh is due."""
    from integrations.tiles.selectors import tiles_due
    from integrations.tiles.services import tiles_refresh

    return tiles_refresh(keys if keys is not None else tiles_due())
