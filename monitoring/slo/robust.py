"""Robust statistics for anomalies, as pure functions over plain numbers.

Baselines are the integration's own *hour of week*: the same hour (± 1 h) in each of
the last few weeks, so a Monday morning is compared with Monday mornings. Spread is
the median absolute deviation (MAD), scaled by 1.4826 to estimate a standard
deviation; one wild hour in the baseline moves neither the median nor the MAD.
Business counts (orders, conversations) are small integers, so a drought is judged
with the Poisson tail instead of a z-score.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

MAD_SCALE = 1.4826


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def mad(values: list[float]) -> float | None:
    centre = median(values)
    if centre is None:
        return None
    return statistics.median([abs(v - centre) for v in values])


def robust_z(value: float, baseline: list[float], *, floor: float = 0.0) -> float | None:
    """(value − median) / max(1.4826 · MAD, floor); None without a baseline.

    The floor keeps a perfectly steady baseline (MAD 0) from making every wiggle infinite.
    """
    centre, spread = median(baseline), mad(baseline)
    if centre is None:
        return None
    scale = max(MAD_SCALE * spread, floor)
    if scale <= 0:
        return math.inf if value > centre else 0.0
    return (value - centre) / scale


def baseline_hours(hour: datetime, weeks: int, spread_hours: int = 1) -> list[datetime]:
    """The same hour of week (± `spread_hours`) in each of the `weeks` previous weeks."""
    return [
        hour - timedelta(weeks=week) + timedelta(hours=offset)
        for week in range(1, weeks + 1)
        for offset in range(-spread_hours, spread_hours + 1)
    ]


@dataclass(frozen=True)
class Jump:
    value: float
    usual: float
    z: float
    ratio: float | None


def latency_jump(
    recent_ms: float, baseline_ms: list[float], *, z: float, ratio: float
) -> Jump | None:
    """A Jump when the recent median latency is both `z` robust deviations and `ratio`
    times above the usual median, else None."""
    usual = median(baseline_ms)
    if usual is None:
        return None
    score = robust_z(recent_ms, baseline_ms, floor=max(0.05 * usual, 1.0))
    times = recent_ms / usual if usual > 0 else None
    if score is not None and score >= z and (times is None or times >= ratio):
        return Jump(recent_ms, usual, score, times)
    return None


def error_jump(recent: float, baseline: list[float], *, z: float, floor: float) -> Jump | None:
    """A Jump when the recent error rate is `z` robust deviations above the usual and at
    least `floor` (absolute share) above it."""
    usual = median(baseline)
    if usual is None:
        return None
    score = robust_z(recent, baseline, floor=0.01)
    if score is not None and score >= z and recent - usual >= floor:
        return Jump(recent, usual, score, recent / usual if usual > 0 else None)
    return None


def poisson_cdf(k: int, lam: float) -> float:
    """P(X ≤ k) for X ~ Poisson(lam), summed in log space (stable for large lam)."""
    if k < 0:
        return 0.0
    if lam <= 0:
        return 1.0
    total, log_term = 0.0, -lam
    for i in range(k + 1):
        if i:
            log_term += math.log(lam) - math.log(i)
        total += math.exp(log_term)
    return min(1.0, total)


@dataclass(frozen=True)
class Drought:
    span_hours: int
    seen: int
    usual: float
    probability: float


def drought(
    recent: list[int],
    weekly: list[list[int]],
    *,
    alpha: float,
    ratio: float,
    min_expected: float,
    max_span: int,
) -> Drought | None:
    """Whether the latest hours hold far fewer events than the same hours of past weeks.

    `recent[-1]` is the latest complete hour; `weekly[w][-1]` the same hour of week in
    week w back, aligned hour by hour with `recent`. The span grows from 3 hours until
    the usual count (median over weeks of the span's total) reaches `min_expected`;
    then it is a drought when P(X ≤ seen | usual) < `alpha` and seen ≤ `ratio` · usual.
    """
    usable = [w for w in weekly if len(w) >= 3]
    for span in range(3, min(max_span, len(recent)) + 1):
        totals = [sum(w[-span:]) for w in usable if len(w) >= span]
        usual = median(totals) if len(totals) >= 2 else None
        if usual is None or usual < min_expected:
            continue
        seen = sum(recent[-span:])
        probability = poisson_cdf(seen, usual)
        if probability < alpha and seen <= ratio * usual:
            return Drought(span, seen, usual, probability)
        return None
    return None
