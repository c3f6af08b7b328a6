"""What a tile's compute function gets: the moment, the store's calendar and vendor clients.

"Today" is the store's calendar day in `settings.STORE_TIME_ZONE` (default
America/Los_Angeles, the sandbox shop's `ianaTimezone`). Clients share one
deadline per tile so a slow vendor cannot hold the refresh job for long.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from rest_framework import status

from hotdash.errors import DomainError
from integrations.clients.chatwoot import ChatwootClient
from integrations.clients.ga4 import GA4Client
from integrations.clients.shopify import ShopifyClient
from integrations.http import Gateway
from integrations.models import Integration

DEFAULT_STORE_TIME_ZONE = "America/Los_Angeles"
TILE_DEADLINE_S = 30.0  # every vendor call of one tile's computation together


class TileSourceUnavailable(DomainError):
    """A tile's source integration is missing or disabled: nothing to compute from."""

    code = "tile_source_unavailable"
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE


def store_time_zone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "STORE_TIME_ZONE", DEFAULT_STORE_TIME_ZONE))


class TileContext:
    """One computation's view of time and vendors. Make one per tile refresh."""

    def __init__(
        self,
        *,
        now: datetime | None = None,
        tz: ZoneInfo | None = None,
        deadline_s: float = TILE_DEADLINE_S,
    ) -> None:
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self.tz = tz or store_time_zone()
        self.deadline_s = deadline_s
        self._integrations: dict[str, Integration] = {}

    # -- the store's calendar -------------------------------------------------------

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    @property
    def today(self) -> date:
        return self.local_now.date()

    def day_start(self, day: date) -> datetime:
        """Midnight of the store's `day`, in UTC (DST-aware)."""
        return datetime.combine(day, time(), self.tz).astimezone(UTC)

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """[start, end) of the store's calendar `day`, in UTC."""
        return self.day_start(day), self.day_start(day + timedelta(days=1))

    # -- vendors --------------------------------------------------------------------

    def integration(self, slug: str) -> Integration:
        """The enabled integration `slug`; TileSourceUnavailable otherwise."""
        if slug not in self._integrations:
            found = Integration.objects.filter(slug=slug).first()
            if found is None or not found.enabled:
                state = "missing" if found is None else "disabled"
                raise TileSourceUnavailable(f"Source integration {slug!r} is {state}.")
            self._integrations[slug] = found
        return self._integrations[slug]

    def _client(self, slug: str, cls):
        integration = self.integration(slug)
        gateway = Gateway.for_integration(integration, deadline_s=self.deadline_s)
        return cls(integration, gateway=gateway)

    @cached_property
    def shopify(self) -> ShopifyClient:
        return self._client("shopify", ShopifyClient)

    @cached_property
    def chatwoot(self) -> ChatwootClient:
        return self._client("chatwoot", ChatwootClient)

    @cached_property
    def ga4(self) -> GA4Client:
        return self._client("ga4", GA4Client)

    def config(self, slug: str) -> dict:
        """The integration's non-secret config (tile settings such as reorder points)."""
        return dict(self.integration(slug).config or {})
