"""The weekly SLA report per integration: availability, incidents, longest outage, error
budget spent and upstream-caused time — as rows (the console page's selector), as CSV
(GET /api/v1/slo/report/) and mailed by a weekly job to the e-mail channels that receive
reports (SLA_REPORT_RECIPIENTS is seeded as one).

A week is an ISO week, Monday 00:00 to Monday 00:00 UTC. Probe counts come from
hourly rollups (maintenance hours left out); uptime is rebuilt from transitions;
outages are DOWN incidents, clipped to the week. "Error budget spent" is the week's
failed probes as a share of a 30-day budget at the week's probe rate (0.25 means the
week used a quarter of what 30 days may spend).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from approvals.selectors import audit_head
from hotdash.errors import ValidationFailed
from integrations.models import Integration, IntegrationState
from monitoring.conf import knob
from monitoring.exports import _csv
from monitoring.models import Channel, Incident, StateTransition
from monitoring.selectors import UP
from monitoring.services.alerting import notification_queue
from monitoring.slo import series

COLUMNS = [
    "integration",
    "name",
    "week",
    "availability_objective",
    "availability",
    "uptime",
    "probes",
    "failed_probes",
    "error_budget_spent",
    "latency_objective_ms",
    "under_latency_objective",
    "incidents",
    "outages",
    "downtime_seconds",
    "longest_outage_seconds",
    "upstream_caused_seconds",
]


def week_bounds(
    week: str | None = None, *, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """[Monday, next Monday) of ISO week "YYYY-Www"; default: the last complete week."""
    if week is None:
        today = (now or timezone.now()).date()
        monday = today - timedelta(days=today.weekday() + 7)
    else:
        try:
            year, number = week.upper().split("-W")
            monday = date.fromisocalendar(int(year), int(number), 1)
        except ValueError:
            raise ValidationFailed(
                f"Unknown week {week!r}; use ISO weeks like 2026-W47.", code="invalid_week"
            ) from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return start, start + timedelta(days=7)


def sla_report(start: datetime, end: datetime, *, now: datetime | None = None) -> list[dict]:
    """One row per enabled integration (COLUMNS), ordered by slug."""
    now = now or timezone.now()
    integrations = list(Integration.objects.enabled().order_by("slug"))
    ids = [i.pk for i in integrations]
    counts = _counts({i.pk: i.slo_latency_ms for i in integrations}, start, end)
    uptime = uptime_between(ids, start, end, now)
    outages = _outages(ids, start, end, now)
    days = int(knob("WINDOW_DAYS"))
    label = f"{start.isocalendar().year}-W{start.isocalendar().week:02d}"
    return [
        _row(i, label, counts[i.pk], uptime.get(i.pk), outages[i.pk], days) for i in integrations
    ]


def _row(integration, label, counts, uptime, outages, days) -> dict:
    total, failed, slow = counts
    objective = float(integration.slo_availability)
    allowed = (1 - objective / 100) * total * days / 7
    return {
        "integration": integration.slug,
        "name": integration.name,
        "week": label,
        "availability_objective": objective,
        "availability": _pct(total - failed, total),
        "uptime": None if uptime is None else round(100 * uptime, 4),
        "probes": total,
        "failed_probes": failed,
        "error_budget_spent": round(failed / allowed, 4) if allowed > 0 else None,
        "latency_objective_ms": integration.slo_latency_ms,
        "under_latency_objective": _pct(total - slow, total),
        **outages,
    }


def _pct(good: float, total: float) -> float | None:
    return round(100 * good / total, 4) if total else None


def _counts(thresholds: dict[int, int], start: datetime, end: datetime) -> dict[int, tuple]:
    found = series.rollup_ranges(thresholds, {"week": (start, end)})
    return {pk: (c["week"].total, c["week"].bad, c["week"].slow) for pk, c in found.items()}


def uptime_between(ids: list[int], start: datetime, end: datetime, now: datetime) -> dict:
    """Up share of [start, end) over up + down time, walking back from the current status."""
    status = dict(IntegrationState.objects.filter(pk__in=ids).values_list("pk", "status"))
    tally = defaultdict(lambda: [0.0, 0.0])
    moves = defaultdict(list)
    for pk, at, before in (
        StateTransition.objects.filter(integration_id__in=ids, at__gt=start, at__lte=now)
        .order_by("-at")
        .values_list("integration_id", "at", "from_status")
    ):
        moves[pk].append((at, before))
    for pk in ids:
        current, until = status.get(pk), now
        for at, before in [*moves[pk], (start, None)]:
            _add(tally[pk], current, max(at, start), min(until, end))
            current, until = before, at
    return {pk: (up / (up + down) if up + down else None) for pk, (up, down) in tally.items()}


def _add(tally: list, status, since: datetime, until: datetime) -> None:
    seconds = (until - since).total_seconds()
    if seconds <= 0:
        return
    if status in UP:
        tally[0] += seconds
    elif status == IntegrationState.Status.DOWN:
        tally[1] += seconds


def _outages(ids, start, end, now) -> dict[int, dict]:
    result = defaultdict(
        lambda: {
            "incidents": 0,
            "outages": 0,
            "downtime_seconds": 0.0,
            "longest_outage_seconds": 0.0,
            "upstream_caused_seconds": 0.0,
        }
    )
    overlapping = Incident.objects.filter(integration_id__in=ids, opened_at__lt=end).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=start)
    )
    for incident in overlapping:
        row = result[incident.integration_id]
        row["incidents"] += start <= incident.opened_at < end
        if incident.cause != Incident.Cause.DOWN:
            continue
        seconds = (
            min(incident.resolved_at or now, end) - max(incident.opened_at, start)
        ).total_seconds()
        row["outages"] += 1
        row["downtime_seconds"] += seconds
        row["longest_outage_seconds"] = max(row["longest_outage_seconds"], seconds)
        if incident.caused_by_id:
            row["upstream_caused_seconds"] += seconds
    return result


def sla_report_csv(rows: list[dict]):
    return _csv(COLUMNS, ([row[c] for c in COLUMNS] for row in rows))


def sla_report_mail(*, week: str | None = None, now: datetime | None = None) -> str:
    """Queue the week's report (CSV attached) once to every enabled e-mail channel that
    receives reports, as Notification rows sent by the alert machinery (retries, timeout,
    a record of what went). `manage.py seed` makes SLA_REPORT_RECIPIENTS such a channel.
    Returns what it did."""
    channels = list(
        Channel.objects.filter(enabled=True, kind=Channel.Kind.EMAIL, receives_reports=True)
    )
    if not channels:
        return "no recipients: no enabled e-mail channel receives reports (SLA_REPORT_RECIPIENTS)"
    start, end = week_bounds(week, now=now)
    rows = sla_report(start, end, now=now)
    label = rows[0]["week"] if rows else f"{start:%G-W%V}"
    body = "\n".join(
        f"{r['integration']}: availability {r['availability']} % (objective "
        f"{r['availability_objective']} %), {r['outages']} outage(s), longest "
        f"{r['longest_outage_seconds']:.0f} s, budget spent {r['error_budget_spent']}"
        for r in rows
    )
    body += "\n\n" + audit_witness_line()
    content = {
        "type": "report.sla",
        "week": label,
        "subject": f"[HotDash] SLA report {label}",
        "text": body,
        "attachments": [
            {
                "name": f"hotdash-sla-{label}.csv",
                "content": "".join(sla_report_csv(rows)),
                "mimetype": "text/csv",
            }
        ],
    }
    with transaction.atomic():
        queued = sum(
            notification_queue(
                key=f"sla-report:{label}:{channel.pk}",
                channel_id=channel.pk,
                event="sla_report",
                payload=content,
            )
            for channel in channels
        )
    if not queued:
        return f"{label} already sent"
    return f"{label} queued to {queued} channel(s)"


def audit_witness_line() -> str:
    """The audit trail's head as the weekly mail witnesses it, outside the database."""
    head = audit_head()
    if head is None:
        return "Audit trail: empty."
    return (
        f"Audit trail head: event #{head.seq}, hash {head.hash}, at {head.at:%Y-%m-%d %H:%M:%S} UTC "
        f"(checkpoint #{head.checkpoint or 0}). Keep this line: `manage.py audit_verify "
        f"--expect-seq {head.seq} --expect-hash {head.hash}` shows later whether the trail "
        "still holds it."
    )
