"""The registry of dashboard tiles: key, title, source integrations, freshness and compute.

Business tiles register when `integrations.tiles` is imported; the project adds
the integration-status tile from `HotdashConfig.ready()` (it composes monitoring,
which integrations must not import).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from integrations.tiles.context import TileContext

Compute = Callable[["TileContext"], dict[str, Any]]


@dataclass(frozen=True)
class Tile:
    """One tile.

    sources:          integration slugs whose data the tile is computed from; a
                      source whose IntegrationState is `down` makes the tile stale.
    max_age_seconds:  a snapshot older than this is served with `stale: true`.
    refresh_seconds:  how often the scheduled job recomputes it (webhooks may sooner).
    events:           vendor webhook topics that change it: `"shopify:orders/create"`, or
                      a prefix ending in `*` (`"shopify:fulfillment_orders/*"`). This is
                      the one list of what a webhook refreshes (webhooks/topics.py reads it).
    """

    key: str
    title: str
    sources: tuple[str, ...]
    compute: Compute
    max_age_seconds: int
    refresh_seconds: int
    events: tuple[str, ...] = ()
    position: int = 100


_tiles: dict[str, Tile] = {}


def tile_register(tile: Tile) -> Tile:
    """Add (or replace, by key) a tile. Returns it, so modules can keep a reference."""
    if tile.refresh_seconds > tile.max_age_seconds:
        raise ValueError(f"tile {tile.key}: refresh_seconds exceeds max_age_seconds")
    _tiles[tile.key] = tile
    return tile


def tile_get(key: str) -> Tile | None:
    return _tiles.get(key)


def tiles_all() -> list[Tile]:
    """Every registered tile in display order."""
    return sorted(_tiles.values(), key=lambda t: (t.position, t.key))


def tiles_for_event(source: str, topic: str) -> list[str]:
    """Keys of the tiles a vendor webhook event changes, in display order, e.g.
    ("shopify", "orders/create") -> ["sales_pulse", "inventory_watch", "fulfillment_flow"]."""
    wanted = f"{source}:{topic}"
    return [t.key for t in tiles_all() if any(_matches(e, wanted) for e in t.events)]


def _matches(declared: str, event: str) -> bool:
    if declared.endswith("*"):
        return event.startswith(declared[:-1])
    return declared == event
