"""Burn-rate alerts: the scheduled evaluation that turns SLO statuses into incidents."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from monitoring.models import Incident
from monitoring.services.signal_incidents import Signal, open_signal_incidents, signal_sync
from monitoring.slo.maths import RULES
from monitoring.slo.status import SloStatus, budget_text, slo_statuses, times


def burn_signal(status: SloStatus) -> Signal:
    """The BURN_RATE signal of one SLO status: page, ticket or all clear."""
    integration, level = status.integration, status.level
    if level is None:
        return Signal(integration, Incident.Cause.BURN_RATE, None, summary=_clear(status))
    reasons = "; ".join(f.describe() for f in status.firing)
    left = budget_text(status.availability, status.window_days)
    return Signal(
        integration,
        Incident.Cause.BURN_RATE,
        level,
        title=f"{integration.name}: error budget burning ({level})",
        summary=f"{reasons}. {left[:1].upper()}{left[1:]}.",
        data={
            "level": level,
            "rules": [
                {
                    "severity": f.severity,
                    "sli": f.sli,
                    "long": f.rule.long,
                    "short": f.rule.short,
                    "threshold": f.rule.burn,
                    "long_burn": round(f.long_burn, 3),
                    "short_burn": round(f.short_burn, 3),
                }
                for f in status.firing
            ],
        },
    )


def _clear(status: SloStatus) -> str:
    """The resolve note: the availability burn of each window that has its minimum of
    probes (the ones the rules evaluated), and which windows had too few to count."""
    burns = status.availability.burns
    shown = ", ".join(f"{w} {times(round(b, 1))}" for w, b in burns.items() if b is not None)
    few = ", ".join(w for w, b in burns.items() if b is None)
    if not shown:
        return f"no burn rate to evaluate: too few probes in {few}"
    over = any(
        (burns.get(rule.long) or 0) > rule.burn or (burns.get(rule.short) or 0) > rule.burn
        for rule in RULES
    )
    head = (
        "no burn-rate rule fires (each has a window under its threshold)"
        if over
        else "burn rates back under every threshold"
    )
    return f"{head} ({shown}; too few probes in {few})" if few else f"{head} ({shown})"


def burn_alerts_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Evaluate every enabled integration's SLOs and sync its BURN_RATE incident.

    Returns how many incidents were opened, re-opened, upgraded and resolved.
    """
    now = now or timezone.now()
    tally: dict[str, int] = {}
    current = open_signal_incidents(Incident.Cause.BURN_RATE)
    for status in slo_statuses(now=now):
        signal = burn_signal(status)
        what = signal_sync(signal, now=now, current=current.get(status.integration.pk))
        tally[what] = tally.get(what, 0) + 1
    tally.pop("unchanged", None)
    return tally
