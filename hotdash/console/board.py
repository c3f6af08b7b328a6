"""Reads for the status board: one card per integration, the totals, the open findings,
the event feed.

A card costs nothing per integration: state and its precomputed `summary` come with
the integration row; open incidents, open findings and the 24 h sparklines in one query
each. A card's status agrees with the incidents: with a SEV1/SEV2 open it says
"incident", never ok (only "down" outranks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Value, When
from django.urls import reverse
from django.utils import timezone

from approvals.selectors import approval_request_feed
from hotdash.adminkit import BADGE_COLOURS
from hotdash.console import charts, permissions
from integrations.models import Integration, IntegrationState
from monitoring import selectors
from monitoring.models import CheckRollup, Finding, Incident, IncidentEvent, StateTransition
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
FINDINGS_LIMIT = 20
SHOWN_FINDINGS = (Finding.Severity.CRITICAL, Finding.Severity.WARNING)
SPARK_HOURS = 24


def board_integrations(limit: int = BOARD_LIMIT) -> tuple[list[Integration], int]:
    """The enabled integrations, worst status first (an open SEV1/SEV2 right after down), at
    most `limit`; and how many in all."""
    serious = Incident.objects.filter(
        integration=OuterRef("pk"),
        status__in=selectors.OPEN,
        severity__lte=selectors.SERIOUS_SEVERITY,
    )
    rank = Case(
        When(state__status=Status.DOWN, then=Value(0)),
        When(serious_incident=True, then=Value(1)),
        *[When(state__status=s, then=Value(i + 1)) for i, s in enumerate(STATUS_ORDER)],
        default=Value(len(STATUS_ORDER) + 1),
        output_field=IntegerField(),
    )
    query = Integration.objects.enabled().select_related("state")
    ordered = query.annotate(serious_incident=Exists(serious)).annotate(rank=rank)
    return list(ordered.order_by("rank", "business_weight", "slug")[:limit]), query.count()


def card_status(status: str, incident) -> tuple[str, str, str]:
    """(card status, badge colour key, badge text) for a state and the card's open incident:
    "incident" while any SEV1/SEV2 of the integration is open, unless it is down."""
    worst = getattr(incident, "worst_severity", None) if incident else None
    if worst is not None and worst <= selectors.SERIOUS_SEVERITY and status != Status.DOWN:
        return "incident", "open", f"SEV{worst} incident"
    return status, status, status


def finding_counts(ids: list[int]) -> dict[int, dict[str, int]]:
    """{integration id: {"critical": n, "warning": n}} of open findings (one query)."""
    counts: dict[int, dict[str, int]] = {pk: {s: 0 for s in SHOWN_FINDINGS} for pk in ids}
    rows = (
        Finding.objects.filter(
            integration_id__in=ids, status=Finding.Status.OPEN, severity__in=SHOWN_FINDINGS
        )
        .values_list("integration_id", "severity")
        .annotate(n=Count("pk"))
    )
    for pk, severity, n in rows:
        counts[pk][severity] = n
    return counts


def findings_label(counts: dict[str, int]) -> str:
    parts = [f"{counts.get(s, 0)} {s}" for s in SHOWN_FINDINGS if counts.get(s)]
    return ", ".join(parts) or "none"


def open_findings(limit: int = FINDINGS_LIMIT) -> tuple[list[Finding], int]:
    """The open warning and critical findings, critical first then newest; and how many."""
    query = Finding.objects.filter(status=Finding.Status.OPEN, severity__in=SHOWN_FINDINGS)
    rank = Case(When(severity=Finding.Severity.CRITICAL, then=Value(0)), default=Value(1))
    ordered = query.select_related("integration").order_by(rank, "-last_seen_at", "-pk")
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


def pause_label(state: IntegrationState, now: datetime | None = None) -> str:
    """The pause the vendor asked for, while it runs, as the board and the integration
    page say it: `paused by the vendor until 14:05, 12 min left` (local time); else ""."""
    now = now or timezone.now()
    until = state.vendor_pause_until(now)
    if until is None:
        return ""
    left = max(1, round((until - now).total_seconds() / 60))
    return f"paused by the vendor until {timezone.localtime(until):%H:%M}, {left} min left"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.2f} %"


def card(integration: Integration, incident, spark: list, findings: dict | None = None) -> dict:
    """Everything one card shows (the board's JavaScript refreshes the same fields)."""
    state = getattr(integration, "state", None) or IntegrationState(integration=integration)
    status, badge_value, badge_label = card_status(state.status, incident)
    findings = findings or {}
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
        "status": status,
        "badge_value": badge_value,
        "badge_label": badge_label,
        "findings": findings,
        "findings_label": findings_label(findings),
        "availability_24h": _percent(shares.get("24h")),
        "availability_30d": _percent(shares.get("30d")),
        "headroom": None
        if state.rate_limit_headroom is None
        else f"{state.rate_limit_headroom * 100:.0f} %",
        "incident": incident,
        "pause": pause_label(state),
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
    findings = finding_counts(ids)
    return [card(i, incidents.get(i.pk), sparks[i.pk], findings[i.pk]) for i in integrations], total


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
    rows = approval_request_feed()
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
    findings, findings_total = open_findings()
    return {
        "board": True,
        "cards": cards,
        "cards_total": total,
        "findings": findings,
        "findings_total": findings_total,
        "finding_kinds": dict(Finding.Kind.choices),
        "summary": selectors.health_summary(),
        "feed": feed(),
        "badge_colours": BADGE_COLOURS,
        "controls": permissions.controls_for(request.user),
        "generated_at": timezone.now(),
    }
