"""The health state machine, as a pure function of the current state and one probe.

    ok ──slow / low headroom──▶ degraded ──N consecutive failures──▶ down
     ▲                              │                                  │
     └──────── a good probe ────────┴──────────────────────────────────┘

`maintenance` and `disabled` are set by people (or maintenance windows); probes
still run and are recorded under them, but never move the status.
"""

from __future__ import annotations

from dataclasses import dataclass

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
