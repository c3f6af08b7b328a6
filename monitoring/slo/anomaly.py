"""Anomalies against each integration's own hour-of-week baseline.

- Latency and error rate (cause ANOMALY, a ticket): the median latency and the error
  rate of the last ANOMALY_RECENT_MINUTES of probes (a bounded raw read) against the
  same hour of week ± 1 h over the last ANOMALY_WEEKS weeks of hourly rollups.
- Business flows (cause BUSINESS_FLOW): hourly FlowCount series (orders, new
  conversations, webhook deliveries per topic) against the same hours of past weeks,
  judged with the Poisson tail. Shopify's order drought is only called while Shopify
  itself answers (ok or degraded): an outage has its own incident. A drought pages
  for critical and high-weight integrations, else it is a ticket.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import datetime, timedelta

from django.utils import timezone

from integrations.models import Integration, IntegrationState
from monitoring.conf import knob
from monitoring.models import CheckResult, CheckRollup, FlowCount, Incident
from monitoring.rollups import floor_hour
from monitoring.services.signal_incidents import Signal, open_signal_incidents, signal_sync
from monitoring.slo import robust
from monitoring.slo.maths import PAGE, TICKET

ANSWERING = {IntegrationState.Status.OK, IntegrationState.Status.DEGRADED}


def recent_samples(ids: list[int], now: datetime) -> dict[int, dict]:
    """{id: {"latencies": [ms of answered probes], "total", "failed"}} over the recent minutes."""
    since = now - timedelta(minutes=int(knob("ANOMALY_RECENT_MINUTES")))
    found = defaultdict(lambda: {"latencies": [], "total": 0, "failed": 0})
    for pk, latency, status in CheckResult.objects.filter(
        integration_id__in=ids, checked_at__gt=since, checked_at__lte=now
    ).values_list("integration_id", "latency_ms", "status"):
        sample = found[pk]
        sample["total"] += 1
        if status == CheckResult.Status.FAIL:
            sample["failed"] += 1
        elif latency is not None:
            sample["latencies"].append(latency)
    return found


def baseline_samples(ids: list[int], now: datetime) -> dict[int, dict]:
    """{id: {"p50": [...], "error_rate": [...]}} from rollups of the same hour of week."""
    hours = robust.baseline_hours(floor_hour(now), int(knob("ANOMALY_WEEKS")))
    least = int(knob("ANOMALY_MIN_HOUR_EVENTS"))
    found = defaultdict(lambda: {"p50": [], "error_rate": []})
    for pk, p50, count, failures in CheckRollup.objects.filter(
        integration_id__in=ids, hour__in=hours, count__gte=least
    ).values_list("integration_id", "p50_ms", "count", "failures"):
        if p50 is not None and failures < count:
            found[pk]["p50"].append(p50)
        found[pk]["error_rate"].append(failures / count)
    return found


def probe_anomalies(recent: dict, baseline: dict) -> list[str]:
    """Human descriptions of the latency and error-rate jumps in one integration's samples."""
    found, least = [], int(knob("ANOMALY_MIN_BASELINE"))
    z = float(knob("ANOMALY_Z"))
    if (
        len(recent["latencies"]) >= int(knob("ANOMALY_MIN_RECENT"))
        and len(baseline["p50"]) >= least
    ):
        now_ms = robust.median(recent["latencies"])
        jump = robust.latency_jump(
            now_ms, baseline["p50"], z=z, ratio=float(knob("ANOMALY_LATENCY_RATIO"))
        )
        if jump:
            found.append(
                f"median latency {jump.value:.0f} ms is {jump.ratio or 0:.1f}× the usual "
                f"{jump.usual:.0f} ms for this hour of week (robust z {jump.z:.1f})"
            )
    if recent["total"] >= int(knob("ANOMALY_MIN_RECENT")) and len(baseline["error_rate"]) >= least:
        rate = recent["failed"] / recent["total"]
        jump = robust.error_jump(
            rate, baseline["error_rate"], z=z, floor=float(knob("ANOMALY_ERROR_FLOOR"))
        )
        if jump:
            found.append(
                f"error rate {jump.value:.0%} against the usual {jump.usual:.0%} "
                f"for this hour of week (robust z {jump.z:.1f})"
            )
    return found


def anomalies_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Latency / error-rate anomalies for every enabled integration; sync ANOMALY incidents."""
    now = now or timezone.now()
    integrations = list(Integration.objects.enabled())
    ids = [i.pk for i in integrations]
    recent, baseline = recent_samples(ids, now), baseline_samples(ids, now)
    current = open_signal_incidents(Incident.Cause.ANOMALY)
    tally: dict[str, int] = {}
    for integration in integrations:
        found = probe_anomalies(recent[integration.pk], baseline[integration.pk])
        signal = Signal(
            integration,
            Incident.Cause.ANOMALY,
            TICKET if found else None,
            title=f"{integration.name}: unusual for this hour of week",
            summary="; ".join(found) or "latency and error rate back to their usual",
            data={"anomalies": found},
        )
        what = signal_sync(signal, now=now, current=current.get(integration.pk))
        tally[what] = tally.get(what, 0) + 1
    tally.pop("unchanged", None)
    return tally


def flow_counts(ids: list[int], end: datetime, span: int, weeks: int) -> dict[tuple, dict]:
    """{(integration id, metric): {hour: count}} over the `span` complete hours before `end`
    and the same hours in each of the last `weeks` weeks: every series in one read."""
    hours = [end - timedelta(hours=h) for h in range(span, 0, -1)]
    wanted = hours + [h - timedelta(weeks=w) for w in range(1, weeks + 1) for h in hours]
    found = defaultdict(dict)
    for pk, metric, hour, count in FlowCount.objects.filter(
        integration_id__in=ids, hour__in=wanted
    ).values_list("integration_id", "metric", "hour", "count"):
        found[(pk, metric)][hour] = count
    return found


def flow_series(counts: dict[datetime, int], end: datetime, span: int, weeks: int):
    """(recent, weekly): hourly counts of the `span` complete hours before `end` and of the
    same hours in each past week, oldest first, each cut at its newest missing hour."""
    hours = [end - timedelta(hours=h) for h in range(span, 0, -1)]
    recent = _tail([counts.get(h) for h in hours])
    weekly = [
        _tail([counts.get(h - timedelta(weeks=w)) for h in hours]) for w in range(1, weeks + 1)
    ]
    return recent, weekly


def _tail(values: list) -> list[int]:
    """The newest run of present values (None means not collected)."""
    tail = []
    for value in reversed(values):
        if value is None:
            break
        tail.append(value)
    return tail[::-1]


def flow_drought(counts: dict[datetime, int], end: datetime) -> robust.Drought | None:
    """The drought of one series ({hour: count}, as read by `flow_counts`), if any."""
    span, weeks = int(knob("FLOW_MAX_SPAN_HOURS")), int(knob("ANOMALY_WEEKS"))
    recent, weekly = flow_series(counts, end, span, weeks)
    return robust.drought(
        recent,
        weekly,
        alpha=float(knob("FLOW_ALPHA")),
        ratio=float(knob("FLOW_RATIO")),
        min_expected=float(knob("FLOW_MIN_EXPECTED")),
        max_span=span,
    )


def flows_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Business-flow droughts per integration; sync BUSINESS_FLOW incidents."""
    now = now or timezone.now()
    end = floor_hour(now)
    metrics = defaultdict(set)
    since = end - timedelta(days=2)
    for pk, metric in (
        FlowCount.objects.filter(hour__gte=since).values_list("integration_id", "metric").distinct()
    ):
        metrics[pk].add(metric)
    enabled = Integration.objects.enabled().select_related("state").filter(pk__in=metrics)
    integrations = [integration for integration in enabled if _answering(integration)]
    span, weeks = int(knob("FLOW_MAX_SPAN_HOURS")), int(knob("ANOMALY_WEEKS"))
    counts = flow_counts([i.pk for i in integrations], end, span, weeks)
    current = open_signal_incidents(Incident.Cause.BUSINESS_FLOW)
    tally: dict[str, int] = {}
    for integration in integrations:
        series = {m: counts.get((integration.pk, m), {}) for m in sorted(metrics[integration.pk])}
        signal = _flow_signal(integration, series, end)
        what = signal_sync(signal, now=now, current=current.get(integration.pk))
        tally[what] = tally.get(what, 0) + 1
    tally.pop("unchanged", None)
    return tally


def _answering(integration: Integration) -> bool:
    """False while it is down, in maintenance or unknown: then a drought is not news."""
    state = getattr(integration, "state", None)
    return state is None or state.status in ANSWERING


def _flow_signal(integration: Integration, series: dict[str, dict], end: datetime) -> Signal:
    found = {}
    for metric, counts in series.items():
        dry = flow_drought(counts, end)
        if dry:
            found[metric] = dry
    words = [
        f"{metric}: {d.seen} in the last {d.span_hours} h, usually {d.usual:.0f} "
        f"(P = {d.probability:.1e})"
        for metric, d in found.items()
    ]
    level = None
    if found:
        level = PAGE if integration.business_weight <= Integration.Weight.HIGH else TICKET
    return Signal(
        integration,
        Incident.Cause.BUSINESS_FLOW,
        level,
        title=f"{integration.name} answers, but {', '.join(found) or 'nothing'} stopped flowing",
        summary="; ".join(words) or "business flows back to their usual",
        data={"droughts": {m: asdict(d) for m, d in found.items()}},
    )
