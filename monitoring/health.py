"""The health state machine, as a pure function of the current state and one probe.

    ok ──slow / low headroom──▶ degraded ──N consecutive failures──▶ down
     ▲                              │                                  │
     └──────── a good probe ────────┴──────────────────────────────────┘

`maintenance` and `disabled` are set by people (or maintenance windows); probes
still run and are recorded under them, but never move the status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from integrations.models import IntegrationState
from integrations.probing import ProbeOutcome

Status = IntegrationState.Status
HELD_STATUSES = frozenset({Status.MAINTENANCE, Status.DISABLED})
HEADROOM_FLOOR = 0.10  # under 10 % of a vendor's rate limit left counts as degraded


@dataclass(frozen=True)
class Verdict:
    """What one probe means: the check's own status and the integration's next state."""

    check_status: str  # CheckResult.Status value: ok | degraded | fail
    status: str  # IntegrationState.Status value
    consecutive_failures: int
    cause: str  # why the status is what it is (for a transition row)


def judge(
    *,
    current: str,
    consecutive_failures: int,
    outcome: ProbeOutcome,
    failures_before_down: int,
    degraded_latency_ms: float,
) -> Verdict:
    """Return the Verdict for `outcome` given the integration's current state and thresholds."""
    if outcome.ok:
        check_status, cause = _judge_success(outcome, degraded_latency_ms)
        failures = 0
        status = check_status
    else:
        check_status = "fail"
        failures = consecutive_failures + 1
        cause = f"{outcome.error_class or 'failure'}: {outcome.message}".strip(": ")
        if failures >= failures_before_down:
            status = Status.DOWN
            cause = f"{failures} consecutive failures; last {cause}"
        elif current == Status.DOWN:
            status = Status.DOWN
        else:
            status = Status.DEGRADED
    if current in HELD_STATUSES:
        status = current
    return Verdict(check_status, str(status), failures, cause[:300])


def _judge_success(outcome: ProbeOutcome, degraded_latency_ms: float) -> tuple[str, str]:
    if outcome.latency_ms is not None and outcome.latency_ms > degraded_latency_ms:
        return "degraded", f"latency {outcome.latency_ms:.0f} ms over {degraded_latency_ms:.0f} ms"
    if outcome.headroom is not None and outcome.headroom < HEADROOM_FLOOR:
        return "degraded", f"rate-limit headroom {outcome.headroom:.0%} under {HEADROOM_FLOOR:.0%}"
    return "ok", "probe succeeded"


def next_probe_at(
    *,
    slot: datetime,
    started_at: datetime,
    failing: bool,
    held: bool,
    throttled: bool,
    retry_seconds: int,
    not_before: datetime | None = None,
) -> datetime:
    """When to probe next, after one probe started at `started_at`.

    1. `slot` is the regular interval slot (set when the probe was claimed).
    2. While failures are counted (confirming a first failure, and while down, so a
       recovery is seen as fast as an outage), the next probe is `retry_seconds` after
       this one started, if that is sooner than the slot. Not under maintenance or
       disabled (nothing would change), and not after a throttled probe: a vendor
       shedding load gets no extra calls; it is probed when its pause ends, else at the slot.
    3. Never before `not_before`: the end of a pause the vendor asked for, or of the
       circuit breaker's cool-down (a probe then would fail without calling).
    """
    at = slot
    if failing and not held:
        soon = started_at + timedelta(seconds=retry_seconds)
        if throttled:  # only when the vendor said when; else the regular slot
            soon = max(soon, not_before) if not_before is not None else slot
        at = min(slot, soon)
    return max(at, not_before) if not_before is not None else at
