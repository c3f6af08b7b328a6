"""Each integration's SLOs now: objective, current value, budget left, burn per window and
what would fire. The selector behind GET /api/v1/slo/, the burn-rate job, the approvals
policy and the SLA report.

Two objectives per integration, both over the SLO window (30 days):
- availability: share of probes that did not fail (`Integration.slo_availability`);
- latency: share of timed probes under `slo_latency_ms` (`slo_latency_percent`).
Probes during maintenance are left out. Failures inside incidents explained by an
upstream outage (`Incident.caused_by`) still count, but are tagged: `upstream_bad`
and `budget_remaining_own` (the budget as if they had not happened).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from integrations.models import Integration
from monitoring import selectors
from monitoring.conf import knob
from monitoring.slo import series
from monitoring.slo.maths import (
    RAW_WINDOWS,
    ROLLUP_WINDOWS,
    Counts,
    Firing,
    alert_level,
    budget_remaining,
    rules_firing,
    window_burns,
)

AVAILABILITY, LATENCY = "availability", "latency"


@dataclass(frozen=True)
class Objective:
    sli: str
    objective: float  # percent
    current: float | None  # percent good over the SLO window
    events: int
    bad: int
    budget_remaining: float | None  # 1.0 untouched … 0 spent … negative overspent
    burns: dict[str, float | None]
    upstream_bad: int = 0
    budget_remaining_own: float | None = None

    @property
    def exhausted(self) -> bool:
        return self.budget_remaining is not None and self.budget_remaining <= 0


@dataclass(frozen=True)
class SloStatus:
    integration: Integration
    window_days: int
    availability: Objective
    latency: Objective
    uptime: float | None  # time-based, from state transitions (maintenance excluded)
    counts: dict[str, Counts]
    firing: list[Firing] = field(default_factory=list)
    evaluated_at: datetime | None = None

    @property
    def level(self) -> str | None:
        return alert_level(self.firing)

    @property
    def budget_exhausted(self) -> bool:
        return self.availability.exhausted


def budget_text(objective: Objective, window_days: int) -> str:
    """The error budget as an operator reads it: what is left, or how far it is overspent,
    or what is missing — never a negative percent.

    "62% of the 30-day budget left"; "budget exhausted: 4.5× the budget spent" (remaining
    -3.5 means 1 − (−3.5) = 4.5 budgets spent); "no probes in the 30-day window yet".
    """
    left = objective.budget_remaining
    if left is None:
        return f"no probes in the {window_days}-day window yet"
    if left == float("-inf"):
        return f"budget exhausted: a {objective.objective:g} % objective allows no failure"
    if left <= 0:
        return f"budget exhausted: {times(1 - left)} the budget spent"
    return f"{_share(left)} of the {window_days}-day budget left"


def times(factor: float) -> str:
    """A multiple as read aloud: 4.5×, 1×, 1,250×, ∞×."""
    if factor == float("inf"):
        return "∞×"
    return f"{factor:,.1f}".removesuffix(".0") + "×"


def _share(share: float) -> str:
    """A share in (0, 1] as a whole percent that never rounds to a misleading 0 % or 100 %."""
    percent = round(share * 100)
    if percent == 0:
        return "less than 1%"
    if percent == 100 and share < 1:
        return "over 99%"
    return f"{percent}%"


def slo_statuses(integrations=None, *, now: datetime | None = None) -> list[SloStatus]:
    """SloStatus for each given integration (default: every enabled one), in their order."""
    now = now or timezone.now()
    if integrations is None:
        integrations = list(Integration.objects.enabled().order_by("slug"))
    if not integrations:
        return []
    days = int(knob("WINDOW_DAYS"))
    thresholds = {i.pk: i.slo_latency_ms for i in integrations}
    ids = list(thresholds)
    raw = series.raw_counts(thresholds, now)
    rolled = series.rollup_counts(thresholds, now, days)
    upstream = series.upstream_failures(ids, now - timedelta(days=days), now)
    uptime = selectors.availability(ids, timedelta(days=days), now)
    return [
        _status(i, raw[i.pk], rolled[i.pk], upstream.get(i.pk, 0), uptime.get(i.pk), days, now)
        for i in integrations
    ]


def slo_status(integration: Integration, *, now: datetime | None = None) -> SloStatus:
    return slo_statuses([integration], now=now)[0]


def _status(integration, raw, rolled, upstream_bad, uptime, days, now) -> SloStatus:
    counts = {**{n: raw[n] for n in RAW_WINDOWS}, **{n: rolled[n] for n in ROLLUP_WINDOWS}}
    total = rolled["window"]
    min_events = knob("MIN_EVENTS")
    availability = _objective(
        AVAILABILITY, float(integration.slo_availability), total, counts, min_events, upstream_bad
    )
    latency = _objective(LATENCY, float(integration.slo_latency_percent), total, counts, min_events)
    min_bad = int(knob("MIN_BAD_EVENTS"))
    firing = rules_firing(availability.burns, counts, sli=AVAILABILITY, min_bad=min_bad)
    if knob("LATENCY_ALERTS"):
        firing += rules_firing(latency.burns, counts, sli=LATENCY, min_bad=min_bad)
    return SloStatus(integration, days, availability, latency, uptime, counts, firing, now)


def _objective(sli, objective, total: Counts, counts, min_events, upstream_bad=0) -> Objective:
    bad = total.slow if sli == LATENCY else total.bad
    current = 100.0 * (1 - bad / total.total) if total.total else None
    return Objective(
        sli=sli,
        objective=objective,
        current=current,
        events=total.total,
        bad=bad,
        budget_remaining=budget_remaining(bad, total.total, objective),
        burns=window_burns(counts, objective, min_events, latency=sli == LATENCY),
        upstream_bad=upstream_bad,
        budget_remaining_own=budget_remaining(max(0, bad - upstream_bad), total.total, objective),
    )
