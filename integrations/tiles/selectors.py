"""Reads of the tiles: served from snapshots only, never from a vendor.

A tile is `stale` when its snapshot is older than the tile's max age, when it
was never computed, or when a source integration is `down` right now; the last
good data is still returned, with the reasons in `stale_reasons`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from hotdash.errors import NotFound
from integrations.models import IntegrationState, TileSnapshot
from integrations.tiles.registry import Tile, tile_get, tiles_all

DOWN = IntegrationState.Status.DOWN


def source_states(slugs) -> dict[str, dict]:
    """slug → {integration, status, last_success_at} in one query (`unknown` when missing)."""
    rows = IntegrationState.objects.filter(integration__slug__in=set(slugs)).values(
        "integration__slug", "status", "last_success_at"
    )
    found = {
        row["integration__slug"]: {
            "integration": row["integration__slug"],
            "status": row["status"],
            "last_success_at": row["last_success_at"],
        }
        for row in rows
    }
    unknown = IntegrationState.Status.UNKNOWN
    return {
        slug: found.get(slug, {"integration": slug, "status": unknown, "last_success_at": None})
        for slug in slugs
    }


def _present(tile: Tile, snapshot: TileSnapshot | None, states: dict, now: datetime) -> dict:
    sources = [states[slug] for slug in tile.sources]
    reasons = []
    generated_at = snapshot.generated_at if snapshot else None
    if generated_at is None:
        reasons.append("never_computed")
    elif now - generated_at > timedelta(seconds=tile.max_age_seconds):
        reasons.append("too_old")
    reasons += [f"source_down:{s['integration']}" for s in sources if s["status"] == DOWN]
    error = None
    if snapshot and snapshot.error:
        error = {"detail": snapshot.error, "at": snapshot.error_at}
    return {
        "key": tile.key,
        "title": tile.title,
        "data": snapshot.data if generated_at else None,
        "generated_at": generated_at,
        "stale": bool(reasons),
        "stale_reasons": reasons,
        "max_age_seconds": tile.max_age_seconds,
        "sources": sources,
        "last_error": error,
    }


def tile_read(key: str, *, now: datetime | None = None) -> dict:
    """`{key, title, data, generated_at, stale, stale_reasons, max_age_seconds, sources,
    last_error}` of one tile. Never computed: data and generated_at are None, stale True.

    Raises NotFound (`tile_not_found`) for an unregistered key.
    """
    tile = tile_get(key)
    if tile is None:
        raise NotFound(f"No tile {key!r}.", code="tile_not_found")
    snapshot = TileSnapshot.objects.filter(key=key).first()
    return _present(tile, snapshot, source_states(tile.sources), now or timezone.now())


def tile_list(*, now: datetime | None = None) -> list[dict]:
    """Every registered tile as `tile_read` gives it, in display order (two queries)."""
    tiles = tiles_all()
    snapshots = {s.key: s for s in TileSnapshot.objects.filter(key__in=[t.key for t in tiles])}
    states = source_states({slug for t in tiles for slug in t.sources})
    now = now or timezone.now()
    return [_present(t, snapshots.get(t.key), states, now) for t in tiles]


def tiles_due(*, now: datetime | None = None) -> list[str]:
    """Keys of the tiles whose last refresh attempt is older than their refresh interval."""
    now = now or timezone.now()
    attempted = dict(TileSnapshot.objects.values_list("key", "attempted_at"))
    return [
        t.key
        for t in tiles_all()
        if attempted.get(t.key) is None
        or now - attempted[t.key] >= timedelta(seconds=t.refresh_seconds)
    ]
