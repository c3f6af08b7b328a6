"""What the gateway and the tiles know about each vendor right now: circuit breakers, pauses a
vendor asked for, and how old each dashboard tile is. Read from the state rows the scrape has
already loaded and from the tiles' snapshots (integrations.tiles.selectors.tile_list)."""

from __future__ import annotations

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from integrations.models import IntegrationState
from integrations.tiles.selectors import tile_list


def one_hot(family: GaugeMetricFamily, labels: list[str], current: str, values) -> None:
    """One series per possible value, 1 for the current one and 0 for the others, so a
    value that goes away reads 0 instead of vanishing (the labels come first)."""
    for value in values:
        family.add_metric([*labels, value], 1 if current == value else 0)


def vendor_families(states: list[IntegrationState], now=None):
    """Circuit state (one series per state, 1 for the current one) and the seconds left of
    a vendor-requested pause (0 without one), per integration."""
    now = now or timezone.now()
    circuit = GaugeMetricFamily(
        "hotdash_circuit_state",
        "1 for the circuit breaker's current state, per integration",
        labels=["integration", "state"],
    )
    pause = GaugeMetricFamily(
        "hotdash_vendor_pause_seconds",
        "Seconds left of the pause the vendor asked for (Retry-After, capped); 0 without one",
        labels=["integration"],
    )
    for state in states:
        slug = state.integration.slug
        one_hot(circuit, [slug], state.circuit_state, IntegrationState.Circuit.values)
        until = state.vendor_pause_until(now)
        pause.add_metric([slug], (until - now).total_seconds() if until else 0.0)
    yield from (circuit, pause)


def tile_families(now=None):
    """Per tile: stale (as the tile API says it), the snapshot's age and the tile's max age."""
    now = now or timezone.now()
    stale = GaugeMetricFamily(
        "hotdash_tile_stale",
        "1 if the tile is served stale (too old, never computed, or a source down)",
        labels=["tile"],
    )
    age = GaugeMetricFamily(
        "hotdash_tile_age_seconds",
        "Seconds since the tile's snapshot was computed (absent until it first is)",
        labels=["tile"],
    )
    max_age = GaugeMetricFamily(
        "hotdash_tile_max_age_seconds",
        "Age past which the tile is stale",
        labels=["tile"],
    )
    for tile in tile_list(now=now):
        stale.add_metric([tile["key"]], 1 if tile["stale"] else 0)
        max_age.add_metric([tile["key"]], tile["max_age_seconds"])
        if tile["generated_at"] is not None:
            age.add_metric([tile["key"]], (now - tile["generated_at"]).total_seconds())
    yield from (stale, age, max_age)
