"""Dashboard tiles: computed from vendor data, stored as snapshots, served from them.

    tiles_refresh(keys=None)   # integrations.tiles.services: compute and store
    tile_read(key)             # integrations.tiles.selectors: the snapshot, marked stale
    tile_register(Tile(...))   # integrations.tiles.registry: add a tile

Importing this package registers the five business tiles (one module each).
"""

from integrations.tiles import (  # noqa: F401 - registers the tiles
    cx_pulse,
    fulfillment_flow,
    inventory_watch,
    sales_pulse,
    seo_pulse,
)
