"""SLO arithmetic as pure functions: burn rates, the multi-window multi-burn-rate table,
error budgets, and the latency SLI from a fixed-bucket histogram.

The table is the SRE workbook's for a 30-day window ("Alerting on SLOs", table 5-8):

    severity  long window  short window  burn rate  budget spent when it fires
    page      1 h          5 m           14.4       2 %
    page      6 h          30 m          6          5 %
    ticket    1 d          2 h           3          10 %
    ticket    3 d          6 h           1          10 %

A rule fires when the burn rate in *both* its windows is strictly above its threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from functools import lru_cache

PAGE, TICKET = "page", "ticket"

WINDOWS: dict[str, timedelta] = {
    "5m": timedelta(minutes=5),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "6h": timedelta(hours=6),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
}
# Windows up to 6 h are counted from raw probe results (kept CHECK_RETENTION_DAYS);
# longer ones from hourly rollups, so no evaluation ever scans raw history.
RAW_WINDOWS = ("5m", "30m", "1h", "2h", "6h")
ROLLUP_WINDOWS = ("1d", "3d")


@dataclass(frozen=True)
class Rule:
    severity: str
    long: str
    short: str
    burn: float


RULES: tuple[Rule, ...] = (
    Rule(PAGE, "1h", "5m", 14.4),
    Rule(PAGE, "6h", "30m", 6.0),
    Rule(TICKET, "1d", "2h", 3.0),
    Rule(TICKET, "3d", "6h", 1.0),
)


@dataclass(frozen=True)
class Counts:
    """Probes in one window: all of them, the failed ones, and the ones over the latency
    threshold (`slow`, among those with a latency)."""

    total: int = 0
    bad: int = 0
    slow: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.total + other.total, self.bad + other.bad, self.slow + other.slow)


def burn_rate(bad: int, total: int, objective_percent: float) -> float | None:
    """Error ratio over the allowed ratio: 1.0 spends the budget exactly over the SLO window.

    None without events; an objective of 100 % has no budget, so any bad event is infinite.
    """
    if total <= 0:
        return None
    # Exact rationals, so a burn exactly at a threshold compares equal to it (14.4 is 14.4):
    # (bad / total) / (n / d) is the integer quotient (bad · d) / (total · n), which Python
    # rounds correctly to the nearest float — the value float(Fraction) gives.
    allowed = allowed_ratio(objective_percent)
    if allowed <= 0:
        return float("inf") if int(bad) > 0 else 0.0
    return int(bad) * allowed.denominator / (int(total) * allowed.numerator)


@lru_cache(maxsize=1024, typed=True)
def allowed_ratio(objective_percent: float) -> Fraction:
    """1 − objective as an exact fraction: 99.9 → 1/1000 (from its decimal digits, not
    from the binary float)."""
    return 1 - Fraction(str(objective_percent)) / 100


def window_burns(
    counts: dict[str, Counts], objective_percent: float, min_events: dict, *, latency: bool = False
) -> dict[str, float | None]:
    """Burn rate per window, None where the window has fewer than its minimum of events."""
    burns = {}
    for name, window in counts.items():
        bad = window.slow if latency else window.bad
        enough = window.total >= int(min_events.get(name, 0))
        burns[name] = burn_rate(bad, window.total, objective_percent) if enough else None
    return burns


@dataclass(frozen=True)
class Firing:
    severity: str
    sli: str  # "availability" | "latency"
    rule: Rule
    long_burn: float
    short_burn: float

    def describe(self) -> str:
        r = self.rule
        return (
            f"{self.sli} burn {self.long_burn:.1f}× over {r.long} and "
            f"{self.short_burn:.1f}× over {r.short} (> {r.burn:g}×)"
        )


def rules_firing(
    burns: dict[str, float | None],
    counts: dict[str, Counts],
    *,
    sli: str = "availability",
    min_bad: int = 1,
) -> list[Firing]:
    """The rules whose long and short windows both burn strictly above the threshold and
    whose long window holds at least `min_bad` bad probes."""
    firing = []
    for rule in RULES:
        long_burn, short_burn = burns.get(rule.long), burns.get(rule.short)
        if long_burn is None or short_burn is None:
            continue
        long_counts = counts.get(rule.long, Counts())
        bad = long_counts.slow if sli == "latency" else long_counts.bad
        if long_burn > rule.burn and short_burn > rule.burn and bad >= min_bad:
            firing.append(Firing(rule.severity, sli, rule, long_burn, short_burn))
    return firing


def alert_level(firing: list[Firing]) -> str | None:
    """`page` if any page rule fires, else `ticket` if any ticket rule does, else None."""
    severities = {f.severity for f in firing}
    return PAGE if PAGE in severities else TICKET if TICKET in severities else None


def budget_remaining(bad: float, total: float, objective_percent: float) -> float | None:
    """Share of the error budget left over the window: 1.0 untouched, 0 spent, < 0 overspent."""
    burn = burn_rate(int(bad), int(total), objective_percent) if total else None
    if burn is None:
        return None
    return 1.0 - burn if burn != float("inf") else float("-inf")


def slow_count(
    histogram: list[int],
    threshold_ms: float,
    bounds: list[float],
    *,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """How many of the histogram's probes were over `threshold_ms`.

    `low` and `high` are the smallest and largest latency observed (None: unknown): none
    is slow at or above `high`, all are below `low`. Otherwise the bucket the threshold
    falls in is split linearly between its edges narrowed to [low, high] (the same
    assumption as `monitoring.rollups.percentile`); the overflow bucket with `high`
    unknown counts as all slow.
    """
    total = sum(histogram)
    if high is not None and threshold_ms >= high:
        return 0.0
    if low is not None and threshold_ms < low:
        return float(total)
    under, lower = 0.0, 0.0
    for index, count in enumerate(histogram):
        upper = bounds[index] if index < len(bounds) else None
        if upper is not None and upper <= threshold_ms:
            under += count
            lower = upper
            continue
        start = lower if low is None else max(lower, low)
        end = high if upper is None else upper if high is None else min(upper, high)
        if end is not None and end > start and threshold_ms > start:
            under += count * min(1.0, (threshold_ms - start) / (end - start))
        break
    return max(0.0, total - under)
