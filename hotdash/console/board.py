"""Reads for the status board: one card per integration, the totals, the event feed.

A card costs nothing per integration: state and its precomputed `summary` come with
the integration row, open incidents and the 24 h sparklines in one query each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone

from approvals.admin_utils import BADGE_COLOURS
from approvals.models import ApprovalRequest
from hotdash.console import charts, permissions
from integrations.models import Integration, IntegrationState
from monitoring import selectors
from monitoring.models import CheckRollup, IncidentEvent, StateTransition
from monitoring.rollups import floor_hour

Status = IntegrationState.Status
# Worst first, so the cards that need a look come first on the board.
STATUS_ORDER = [
    Status.DOWN,
    Status.DEGRADED,
    Status.MAINTENANCE,
    Status.UNKNOWN,
    Status.OK,
    Status.DISABLED,
]
BOARD_LIMIT = 120
FEED_LIMIT = 25
SPARK_HOURS = 24


def board_integrations(limit: int = BOARD_LIMIT) -> tuple[list[Integration], int]:
    """The enabled integrations, worst status first, at most `limit`; and how many in all."""
    rank = Case(
        *[When(state__status=s, then=Value(i)) for i, s in enumerate(STATUS_ORDER)],
        default=Value(len(STATUS_ORDER)),
        output_field=IntegerField(),
    )
    query = Integration.objects.enabled().select_related("state")
    ordered = query.annotate(rank=rank).order_by("rank", "business_weight", "slug")
    return list(ordered[:limit]), query.count()


def latency_sparklines(ids: list[int], now: datetime | None = None) -> dict[int, list]:
    """{id: [p95 ms or None] × 24}, oldest hour first, from the hourly rollups (one query)."""
    first = floor_hour(now or timezone.now()) - timedelta(hours=SPARK_HOURS - 1)
    points: dict[int, list] = {pk: [None] * SPARK_HOURS for pk in ids}
    rows = CheckRollup.objects.filter(integration_id__in=ids, hour__gte=first).values_list(
        "integration_id", "hour", "p95_ms"
    )
    for pk, hour, p95 in rows:
        slot = int((hour - first).total_seconds() // 3600)
        if 0 <= slot < SPARK_HOURS:
            points[pk][slot] = p95
    return points


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.2f} %"


def card(integration: Integration, incident, spark: list) -> dict:
    """Everything one card shows (the board's JavaScript refreshes the same fields)."""
    state = getattr(integration, "state", None) or IntegrationState(integration=integration)
    shares = (state.summary or {}).get("availability", {})
    present = [v for v in spark if v is not None]
    desc = (
        f"Hourly p95 latency over 24 hours, from {min(present):.0f} to {max(present):.0f} ms."
        if present
        else "No probes rolled up in the last 24 hours."
    )
    return {
        "integration": integration,
        "state": state,
        "availability_24h": _percent(shares.get("24h")),
        "availability_30d": _percent(shares.get("30d")),
        "headroom": None
        if state.rate_limit_headroom is None
        else f"{state.rate_limit_headroom * 100:.0f} %",
        "incident": incident,
        "sparkline": charts.sparkline(
            spark,
            chart_id=f"spark-{integration.slug}",
            title=f"{integration.name}: latency, last 24 h",
            desc=desc,
        ),
        "url": reverse("admin:console_integration", args=[integration.slug]),
    }


def board_cards() -> tuple[list[dict], int]:
    integrations, total = board_integrations()
    ids = [i.pk for i in integrations]
    incidents = selectors.open_incidents(ids)
    sparks = latency_sparklines(ids)
    return [card(i, incidents.get(i.pk), sparks[i.pk]) for i in integrations], total


@dataclass(frozen=True)
class FeedItem:
    at: datetime
    kind: str  # incident, transition, approval
    status: str  # the badge's value
    label: str  # the badge's text
    text: str
    url: str


def _incident_items(limit: int) -> list[FeedItem]:
    rows = IncidentEvent.objects.select_related("incident__integration").order_by("-at", "-pk")
    return [
        FeedItem(
            e.at,
            "incident",
            e.incident.status,
            e.get_kind_display(),
            f"#{e.incident_id} {e.incident.integration.slug}: {e.message or e.incident.title}"
            + (f" ({e.actor_name})" if e.actor_name else ""),
            reverse("admin:console_incident", args=[e.incident_id]),
        )
        for e in rows[:limit]
    ]


def _transition_items(limit: int) -> list[FeedItem]:
    rows = StateTransition.objects.select_related("integration").order_by("-at", "-pk")
    return [
        FeedItem(
            t.at,
            "transition",
            t.to_status,
            t.to_status,
            f"{t.integration.slug}: {t.from_status} → {t.to_status}"
            + (f" ({t.cause})" if t.cause else ""),
            reverse("admin:console_integration", args=[t.integration.slug]),
        )
        for t in rows[:limit]
    ]


def _approval_items(limit: int) -> list[FeedItem]:
    rows = ApprovalRequest.objects.order_by("-created_at", "-pk")
    return [
        FeedItem(
            r.decided_at or r.created_at,
            "approval",
            r.status,
            r.status,
            f"#{r.pk} {r.action} {r.target.split(':')[-1]} by {r.requested_by_name}",
            reverse("admin:approvals_approvalrequest_change", args=[r.pk]),
        )
        for r in rows[:limit]
    ]


def feed(limit: int = FEED_LIMIT) -> list[FeedItem]:
    """The newest incident events, state transitions and approval requests, merged."""
    items = _incident_items(limit) + _transition_items(limit) + _approval_items(limit)
    return sorted(items, key=lambda item: item.at, reverse=True)[:limit]


def board_context(request) -> dict:
    cards, total = board_cards()
    return {
        "board": True,
        "cards": cards,
        "cards_total": total,
        "summary": selectors.health_summary(),
        "feed": feed(),
        "badge_colours": BADGE_COLOURS,
        "controls": permissions.controls_for(request.user),
        "generated_at": timezone.now(),
    }
