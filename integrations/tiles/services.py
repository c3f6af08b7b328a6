"""Writes of the tiles: compute from vendor data and store the snapshot."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from hotdash.errors import DomainError
from integrations.models import TileSnapshot
from integrations.tiles.context import TileContext
from integrations.tiles.registry import Tile, tile_get, tiles_all
from integrations.tiles.selectors import source_states

logger = logging.getLogger("integrations.tiles")
LEASE_SECONDS = 120  # longer than a computation may take (TILE_DEADLINE_S per vendor)


def tiles_refresh(keys: Iterable[str] | None = None, *, now: datetime | None = None) -> dict:
    """Recompute tiles and store their snapshots. Never raises for a vendor failure.

    keys: the tiles to refresh (default: every registered tile), e.g. from a webhook.
    now:  the business moment the tiles describe (default: the current time).
    Returns key → `ok` | `failed` (last good data kept, error recorded) |
    `busy` (another worker holds the tile's lease) | `unknown` (no such tile).

    Webhooks call it with the tiles an event changes: each tile declares its events
    (`Tile.events`, read by `registry.tiles_for_event`; the table is in docs/webhooks.md).
    GA4 sends no webhooks: its tiles follow the schedule.
    """
    wanted = [t.key for t in tiles_all()] if keys is None else list(dict.fromkeys(keys))
    results = {}
    for key in wanted:
        tile = tile_get(key)
        results[key] = _refresh(tile, now) if tile else "unknown"
    return results


def _refresh(tile: Tile, now: datetime | None) -> str:
    """1. claim the tile's lease; 2. compute; 3. store data or the error; release the lease."""
    if not _claim(tile):
        return "busy"
    started = time.monotonic()
    try:
        data = tile.compute(TileContext(now=now))
    except DomainError as exc:
        error = f"{exc.code}: {exc.detail}"
    except Exception as exc:  # a bug in one tile must not stop the others or a webhook
        logger.exception("tile %s: computation crashed", tile.key)
        error = f"tile_compute_crashed: {type(exc).__name__}"
    else:
        _store(tile, started, data=data, generated_at=timezone.now(), error="", error_at=None)
        return "ok"
    logger.warning("tile %s: refresh failed: %s", tile.key, error)
    _store(tile, started, error=error[:2000], error_at=timezone.now())
    return "failed"


def _claim(tile: Tile) -> bool:
    """Take the tile's refresh lease with a conditional update (one row changed = ours)."""
    now = timezone.now()
    try:
        TileSnapshot.objects.get_or_create(key=tile.key, defaults={"title": tile.title})
    except IntegrityError:  # another worker created it first
        pass
    free = Q(refreshing_until__isnull=True) | Q(refreshing_until__lt=now)
    claimed = TileSnapshot.objects.filter(free, key=tile.key).update(
        refreshing_until=now + timedelta(seconds=LEASE_SECONDS), attempted_at=now
    )
    return claimed == 1


def _store(tile: Tile, started: float, **fields) -> None:
    if "data" in fields:
        fields["computed_from"] = list(source_states(tile.sources).values())
    TileSnapshot.objects.filter(key=tile.key).update(
        title=tile.title,
        duration_ms=round((time.monotonic() - started) * 1000, 1),
        refreshing_until=None,
        **fields,
    )
