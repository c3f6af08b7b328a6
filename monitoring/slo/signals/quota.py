"""Quota headroom as health: the trend of what a vendor says is left, and when it runs out.

Samples are the rate-limit reports stored with each probe (`CheckResult.details
["rate_limit"]`, a bounded read of the last QUOTA_LOOKBACK_MINUTES):
- Shopify's query-cost bucket (`extensions.cost.throttleStatus`): it refills at
  `restoreRate`, so the fitted slope already nets refill against spending;
- GA4's `propertyQuota` (tokensPerDay, tokensPerHour, tokensPerProjectPerHour): a jump
  up means the period was reset, so only samples since the last jump are fitted, and
  running out only matters before the next reset (the next UTC hour or day: Google
  does not publish the reset zone for property quotas [!]);
- `X-RateLimit-*` (Publer and others), with the vendor's own reset time.
A least-squares line through the samples gives the slope; running dry within
QUOTA_FORECAST_HOURS (and before the reset) raises a finding.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from integrations.models import Integration, IntegrationState
from monitoring.conf import knob
from monitoring.models import CheckResult, Finding
from monitoring.services.findings import finding_raise, findings_settle

SOURCES = ("shopify_cost", "ga4_property_quota", "x-ratelimit")
GA4_PERIODS = {"tokensPerDay": 86_400, "tokensPerHour": 3_600, "tokensPerProjectPerHour": 3_600}


@dataclass(frozen=True)
class Forecast:
    quota: str
    remaining: float
    capacity: float | None
    slope_per_hour: float | None  # change of `remaining` per hour; negative while draining
    exhausted_at: datetime | None
    resets_at: datetime | None

    @property
    def runs_out(self) -> bool:
        if self.exhausted_at is None:
            return False
        return self.resets_at is None or self.exhausted_at < self.resets_at

    @property
    def headroom(self) -> float | None:
        return self.remaining / self.capacity if self.capacity else None


def slope(samples: list[tuple[float, float]]) -> float | None:
    """Least-squares slope (units per second) of (t, value) samples; None if under 3 or flat in time."""
    if len(samples) < 3:
        return None
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if spread <= 0:
        return None
    return sum((t - mean_t) * (v - mean_v) for t, v in samples) / spread


def since_last_reset(samples: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The samples after the last increase (a period quota's reset)."""
    start = 0
    for index in range(1, len(samples)):
        if samples[index][1] > samples[index - 1][1]:
            start = index
    return samples[start:]


def forecast(
    quota: str,
    samples: list[tuple[float, float]],
    *,
    capacity: float | None = None,
    resets_at: datetime | None = None,
    refills: bool = False,
) -> Forecast | None:
    """Fit the samples (unix seconds, remaining), oldest first; None without samples."""
    if not samples:
        return None
    fitted = samples if refills else since_last_reset(samples)
    per_second = slope(fitted)
    last_t, last_v = fitted[-1]
    exhausted = None
    if per_second is not None and per_second < 0 and _dropped(fitted, capacity):
        exhausted = datetime.fromtimestamp(last_t + last_v / -per_second, UTC)
    return Forecast(
        quota,
        last_v,
        capacity,
        None if per_second is None else per_second * 3600,
        exhausted,
        resets_at,
    )


def _dropped(samples: list[tuple[float, float]], capacity: float | None) -> bool:
    """Whether the fall is more than noise: at least 2 units and 1 % of the capacity."""
    fall = max(v for _, v in samples) - samples[-1][1]
    return fall >= max(2.0, 0.01 * (capacity or 0))


def samples_of(ids: list[int], now: datetime) -> dict[int, list[dict]]:
    """{id: [rate-limit report, …]} oldest first, from probes of the last lookback minutes."""
    since = now - timedelta(minutes=int(knob("QUOTA_LOOKBACK_MINUTES")))
    found = defaultdict(list)
    for pk, details in (
        CheckResult.objects.filter(
            integration_id__in=ids, checked_at__gte=since, checked_at__lte=now
        )
        .order_by("checked_at")
        .values_list("integration_id", "details")
    ):
        report = (details or {}).get("rate_limit") or {}
        if report.get("source") in SOURCES and report.get("observed_at"):
            found[pk].append(report)
    return found


def forecasts(reports: list[dict]) -> list[Forecast]:
    """One Forecast per quota named in the reports (their source decides how to read them)."""
    by_quota: dict[str, list] = defaultdict(list)
    meta: dict[str, dict] = {}
    for report in reports:
        t = float(report["observed_at"])
        if report["source"] == "shopify_cost":
            by_quota["cost_bucket"].append((t, float(report["currently_available"])))
            meta["cost_bucket"] = {"capacity": report.get("maximum_available"), "refills": True}
        elif report["source"] == "ga4_property_quota":
            for name, period in GA4_PERIODS.items():
                status = (report.get("quota") or {}).get(name) or {}
                if status.get("remaining") is None:
                    continue
                by_quota[name].append((t, float(status["remaining"])))
                reset = datetime.fromtimestamp((t // period + 1) * period, UTC)
                meta[name] = {"resets_at": reset}
        else:
            by_quota["requests"].append((t, float(report["remaining"])))
            reset = report.get("reset_at")
            meta["requests"] = {
                "capacity": report.get("limit"),
                "resets_at": datetime.fromtimestamp(float(reset), UTC) if reset else None,
            }
    found = [forecast(name, samples, **meta[name]) for name, samples in by_quota.items()]
    return [f for f in found if f is not None]


def quota_forecasts(now: datetime, ids: list[int] | None = None) -> dict[int, list[Forecast]]:
    """{integration id: [Forecast, …]} for integrations whose vendor reports a quota."""
    reporting = IntegrationState.objects.filter(
        integration__enabled=True, rate_limit__source__in=SOURCES
    )
    if ids is not None:
        reporting = reporting.filter(integration_id__in=ids)
    ids = list(reporting.values_list("integration_id", flat=True))
    return {pk: forecasts(reports) for pk, reports in samples_of(ids, now).items()}


def quota_evaluate(now: datetime) -> int:
    """A finding per quota forecast to run dry within the horizon (and before its reset)."""
    horizon = now + timedelta(hours=float(knob("QUOTA_FORECAST_HOURS")))
    found_by_id = quota_forecasts(now)
    integrations = Integration.objects.in_bulk(list(found_by_id))
    seen = set()
    for pk, found in found_by_id.items():
        integration = integrations[pk]
        for item in found:
            if not item.runs_out or item.exhausted_at > horizon:
                continue
            key = f"{integration.slug}:{item.quota}"
            seen.add(key)
            minutes = max(0, (item.exhausted_at - now).total_seconds() / 60)
            finding_raise(
                kind=Finding.Kind.QUOTA,
                key=key,
                integration=integration,
                severity="critical" if minutes <= 60 else "warning",
                title=f"{integration.name}: {item.quota} runs out in about {minutes:.0f} min",
                detail=f"{item.remaining:.0f} left, falling {-(item.slope_per_hour or 0):.0f}/h"
                + (f"; resets {item.resets_at:%Y-%m-%d %H:%M} UTC" if item.resets_at else ""),
                data={
                    "quota": item.quota,
                    "remaining": item.remaining,
                    "slope_per_hour": item.slope_per_hour,
                    "exhausted_at": item.exhausted_at.isoformat(),
                },
                now=now,
            )
    findings_settle(kind=Finding.Kind.QUOTA, seen=seen, now=now)
    return len(seen)
