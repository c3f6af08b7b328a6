"""Per-integration availability and latency windows, precomputed onto IntegrationState.summary
with the rollups, so a page of integrations costs one query instead of an aggregation."""

from __future__ import annotations

from django.utils import timezone

from integrations.models import Integration, IntegrationState
from monitoring import selectors

AVAILABILITY_WINDOWS = ("24h", "7d", "30d")


def summary_for(ids: list[int], now=None) -> dict[int, dict]:
    """{id: {"availability": {window: share}, "latency_24h": {...}, "computed_at": iso}}."""
    now = now or timezone.now()
    latency = selectors.latency(ids, selectors.WINDOWS["24h"], now)
    shares = {
        w: selectors.availability(ids, selectors.WINDOWS[w], now) for w in AVAILABILITY_WINDOWS
    }
    return {
        pk: {
            "availability": {w: shares[w][pk] for w in AVAILABILITY_WINDOWS},
            "latency_24h": latency[pk],
            "computed_at": now.isoformat(),
        }
        for pk in ids
    }


def summaries_refresh(*, chunk: int = 500, now=None) -> int:
    """Recompute every integration's summary (a few queries per `chunk`). Returns how many."""
    ids = list(Integration.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        rows = [
            IntegrationState(pk=pk, summary=summary)
            for pk, summary in summary_for(part, now).items()
        ]
        IntegrationState.objects.bulk_update(rows, ["summary"], batch_size=500)
    return len(ids)
