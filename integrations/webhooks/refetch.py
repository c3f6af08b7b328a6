"""A `refetch` event's work: refresh the tiles it affects, which re-read the vendor.

Coalescing: a burst of 500 `orders/create` must not become 500 re-reads of the
store. A refresh that *started after* an event arrived has read the vendor after
the vendor sent it, so it already reflects that event: such an event is marked
processed without another refresh. The start time of each tile's last good
refresh is kept in the cache (cluster-wide with a shared cache such as Redis;
per process with the default local-memory cache, which only coalesces less).
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from integrations.tiles.services import tiles_refresh

MARK_TTL_S = 24 * 3600


class TilesNotRefreshed(Exception):
    """A tile could not be refreshed now (vendor failure, or another worker holds it):
    retryable, so the event is tried again after a back-off."""

    retryable = True


def tiles_refetch(*, event, keys: tuple[str, ...]) -> dict:
    """Refresh the event's tiles (`keys`, from its handler) not already covered by a
    later refresh; returns {"tiles": {key: outcome}, "coalesced": [...]}. Raises
    TilesNotRefreshed when one is `failed` or `busy` (retried later, when a newer
    refresh may cover it)."""
    wanted = list(dict.fromkeys(keys))
    due = [key for key in wanted if not covered(key, event.received_at)]
    started = timezone.now()
    outcomes = tiles_refresh(keys=due) if due else {}
    for key, outcome in outcomes.items():
        if outcome == "ok":
            cache.set(mark_key(key), started.timestamp(), MARK_TTL_S)
    result = {"tiles": outcomes, "coalesced": [k for k in wanted if k not in due]}
    pending = sorted(k for k, o in outcomes.items() if o in ("failed", "busy"))
    if pending:
        raise TilesNotRefreshed(f"tiles not refreshed yet: {', '.join(pending)}")
    return result


def covered(key: str, received_at) -> bool:
    """Whether a good refresh of `key` started after `received_at`."""
    mark = cache.get(mark_key(key))
    return mark is not None and mark > received_at.timestamp()


def mark_key(key: str) -> str:
    return f"integrations.webhooks.tile_refreshed:{key}"
