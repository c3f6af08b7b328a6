"""Burn-rate alerts: the scheduled evaluation that turns SLO statuses into incidents."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from monitoring.models import Incident
from monitoring.slo.incidents import Signal, open_signal_incidents, signal_sync
from monitoring.slo.status import SloStatus, slo_statuses


def burn_signal(status: SloStatus) -> Signal:
    """The BURN_RATE signal of one SLO status: page, ticket or all clear."""
    integration, level = status.integration, status.level
    if level is None:
        return Signal(integration, Incident.Cause.BURN_RATE, None, summary=_clear(status))
    reasons = "; ".join(f.describe() for f in status.firing)
    budget = status.availability.budget_remaining
    left = f"{budget:.0%} of the 30-day budget left" if budget is not None else "no data"
    return Signal(
        integration,
        Incident.Cause.BURN_RATE,
        level,
        title=f"{integration.name}: error budget burning ({level})",
        summary=f"{reasons}. {left}.",
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
    burns = status.availability.burns
    shown = ", ".join(f"{w} {b:.1f}×" for w, b in burns.items() if b is not None)
    return f"burn rates back under every threshold ({shown or 'no data'})"


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
