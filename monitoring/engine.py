"""The probe engine: claim due integrations, probe them concurrently, record what was seen.

One cycle (`probe_cycle`):
1. Claim up to `batch` due integrations in one short write transaction
   (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's IMMEDIATE
   transactions serialise the same block), advancing each one's
   `next_probe_at` to its next slot and marking it in flight (`claimed_until`).
2. Probe them concurrently, each through its vendor client (never raises).
3. Store every CheckResult in bulk, judge each with the health state machine,
   update the one-row states in bulk and write a StateTransition per change.
   A failed probe is repeated after `probe_retry_seconds` rather than at its next
   slot (`health.next_probe_at`), so a failure is confirmed, and a recovery seen,
   within seconds; never inside a pause the vendor asked for.

The probe loop runs cycles through `monitoring.runner.CycleRunner`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.http.state import probing
from integrations.models import Integration, IntegrationState
from integrations.probes import probe_integration
from integrations.probing import ProbeOutcome
from monitoring.fingerprints import fingerprint
from monitoring.health import HELD_STATUSES, judge, next_probe_at
from monitoring.models import CheckResult, StateTransition
from monitoring.pool import DbThreadPool
from monitoring.services.reactions import transitions_react

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    integration: Integration
    due_at: datetime
    holder: str = ""  # the loop run that claimed it ("" outside the loop)
    on_demand: bool = False  # asked for now (probe-now, recovery), not claimed from the schedule


@dataclass(frozen=True)
class Probed:
    claimed: Claimed
    started_at: datetime
    outcome: ProbeOutcome


@dataclass
class CycleStats:
    claimed: int = 0
    failed: int = 0
    transitions: int = 0
    checks: list = field(default_factory=list, repr=False)  # the CheckResults written

    def add(self, other: CycleStats) -> None:
        """Accumulate another cycle's counts (not its checks)."""
        self.claimed += other.claimed
        self.failed += other.failed
        self.transitions += other.transitions

    def totals(self) -> dict:
        return {"claimed": self.claimed, "failed": self.failed, "transitions": self.transitions}


def _next_slot(due_at: datetime, interval: int, now: datetime) -> datetime:
    """The next slot after `due_at`; missed slots are skipped, never replayed in a burst."""
    step = timedelta(seconds=interval)
    nxt = due_at + step
    return nxt if nxt > now else now + step


def probes_claim_due(
    *, now: datetime | None = None, limit: int = 500, holder: str = ""
) -> list[Claimed]:
    """Claim due, enabled integrations not already in flight, for `holder` (the loop's
    run). Safe across processes."""
    now = now or timezone.now()
    states_ensure()
    with transaction.atomic():
        rows = list(
            IntegrationState.objects.due_for_probe(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("integration")
            .order_by("next_probe_at")[:limit]
        )
        claimed = []
        for state in rows:
            integration = state.integration
            due_at = state.next_probe_at or now
            state.next_probe_at = _next_slot(due_at, integration.probe_interval_seconds, now)
            state.claimed_until = now + timedelta(seconds=integration.probe_timeout_seconds + 30)
            state.claimed_by = holder
            claimed.append(Claimed(integration, due_at, holder))
        IntegrationState.objects.bulk_update(rows, ["next_probe_at", "claimed_until", "claimed_by"])
    return claimed


def claims_take_back(*, live: set[str], keep_prefix: str) -> int:
    """Free the claims of loop runs that hold no live lease (their job cluster died), but
    for those of runs in this cluster (`keep_prefix`; they finish their probes), and make
    them due now: a dead run's claims would otherwise block their integrations for the
    claim's span (timeout + 30 s). Its results, should it be alive after all, are then
    discarded (`results_record`), so nothing is recorded twice. Returns how many."""
    return (
        IntegrationState.objects.filter(claimed_until__gt=timezone.now())
        .exclude(claimed_by="")
        .exclude(claimed_by__in=live)
        .exclude(claimed_by__startswith=keep_prefix)
        .update(claimed_until=None, claimed_by="", next_probe_at=timezone.now())
    )


def states_ensure() -> None:
    """Give every integration its one-row state (new ones get it on their first cycle)."""
    missing = Integration.objects.filter(state__isnull=True).values_list("pk", flat=True)
    IntegrationState.objects.bulk_create(
        [IntegrationState(integration_id=pk) for pk in missing], ignore_conflicts=True
    )


def _probe_one(claimed: Claimed) -> Probed:
    started_at = timezone.now()
    with probing():  # its failures are scheduled here, not pulled forward by the gateway
        outcome = probe_integration(claimed.integration)
    return Probed(claimed, started_at, outcome)


def probes_run(claimed: list[Claimed], *, pool: DbThreadPool | None = None) -> list[Probed]:
    """Probe each claimed integration; concurrently when a pool is given."""
    if pool is None or len(claimed) <= 1:
        return [_probe_one(c) for c in claimed]
    return pool.map(_probe_one, claimed)


def results_record(probed: list[Probed]) -> CycleStats:
    """Store results, judge each and update states and transitions, in one transaction."""
    stats = CycleStats(claimed=len(probed))
    if not probed:
        return stats
    now = timezone.now()
    with transaction.atomic():
        states = IntegrationState.objects.select_for_update().in_bulk(
            [p.claimed.integration.pk for p in probed]
        )
        checks, transitions = [], []
        for item in probed:
            state = states[item.claimed.integration.pk]
            if item.claimed.holder and state.claimed_by != item.claimed.holder:
                log.warning("%s: a result of a run whose claim was taken back is discarded",
                            item.claimed.integration.slug)
                continue
            check, transition = _apply(item, state, now)
            checks.append(check)
            stats.failed += check.status == CheckResult.Status.FAIL
            if transition:
                transitions.append(transition)
        CheckResult.objects.bulk_create(checks, batch_size=500)
        StateTransition.objects.bulk_create(transitions, batch_size=500)
        IntegrationState.objects.bulk_update(list(states.values()), STATE_FIELDS, batch_size=500)
    stats.transitions = len(transitions)
    stats.checks = checks
    transitions_react(transitions, checks)
    return stats


STATE_FIELDS = [
    "status",
    "status_since",
    "last_probe_at",
    "last_success_at",
    "consecutive_failures",
    "last_latency_ms",
    "last_error_class",
    "last_message",
    "claimed_until",
    "claimed_by",
    "next_probe_at",
]  # rate_limit/headroom and circuit_* are written by the gateway itself, as calls happen


def _apply(item: Probed, state: IntegrationState, now: datetime):
    """Mutate `state` for one probe; return its CheckResult and a StateTransition or None."""
    integration, outcome = item.claimed.integration, item.outcome
    verdict = judge(
        current=state.status,
        consecutive_failures=state.consecutive_failures,
        outcome=outcome,
        failures_before_down=integration.failures_before_down,
        degraded_latency_ms=integration.degraded_latency_ms,
    )
    transition = None
    if verdict.status != state.status:
        transition = StateTransition(
            integration=integration,
            at=now,
            from_status=state.status,
            to_status=verdict.status,
            cause=verdict.cause,
        )
        state.status, state.status_since = verdict.status, now
    state.consecutive_failures = verdict.consecutive_failures
    state.last_probe_at = item.started_at
    state.last_latency_ms = outcome.latency_ms
    state.last_error_class = outcome.error_class
    state.last_message = outcome.message[:500]
    if not item.claimed.on_demand:  # an on-demand probe leaves a loop's claim in flight be
        state.claimed_until, state.claimed_by = None, ""
    state.next_probe_at = _next_probe_at(item, state, verdict.consecutive_failures, now)
    if outcome.ok:
        state.last_success_at = item.started_at
    lag = (item.started_at - item.claimed.due_at).total_seconds() * 1000
    check = CheckResult(
        integration=integration,
        checked_at=item.started_at,
        status=verdict.check_status,
        latency_ms=outcome.latency_ms,
        lag_ms=max(lag, 0.0),
        http_status=outcome.http_status,
        error_class=outcome.error_class,
        message=outcome.message[:500],
        fingerprint=""
        if outcome.ok
        else fingerprint(integration.pk, outcome.error_class, outcome.message),
        details={**_details(outcome), "on_demand": True}
        if item.claimed.on_demand
        else _details(outcome),
    )
    return check, transition


def _next_probe_at(item: Probed, state: IntegrationState, failures: int, now: datetime):
    integration, outcome = item.claimed.integration, item.outcome
    interval = integration.probe_interval_seconds
    return next_probe_at(
        slot=state.next_probe_at or item.started_at + timedelta(seconds=interval),
        started_at=item.started_at,
        failing=failures > 0,
        held=state.status in HELD_STATUSES,
        throttled=outcome.error_class == CheckResult.ErrorClass.THROTTLED,
        retry_seconds=min(integration.probe_retry_seconds, interval),
        not_before=_not_before(state, now),
    )


def _not_before(state: IntegrationState, now: datetime) -> datetime | None:
    """The end of a pause the vendor asked for (Retry-After), if it is still ahead."""
    paused_until = (state.rate_limit or {}).get("throttled_until")
    if not paused_until:
        return None
    end = datetime.fromtimestamp(float(paused_until), tz=UTC)
    return end if end > now else None


def _details(outcome: ProbeOutcome) -> dict:
    details = dict(outcome.details)
    if outcome.rate_limit:
        details["rate_limit"] = outcome.rate_limit
    if outcome.headroom is not None:
        details["headroom"] = outcome.headroom
    return details


def probe_cycle(*, pool: DbThreadPool | None = None, limit: int | None = None) -> CycleStats:
    """Claim, probe and record one batch of due integrations."""
    claimed = probes_claim_due(limit=limit or settings.PROBE_LOOP["batch"])
    return results_record(probes_run(claimed, pool=pool))


def probe_now(integrations: list[Integration], *, pool: DbThreadPool | None = None) -> CycleStats:
    """Probe these integrations right away (the `probe` command and the API's probe-now)."""
    now = timezone.now()
    states_ensure()
    claimed = [Claimed(i, now, on_demand=True) for i in integrations]
    return results_record(probes_run(claimed, pool=pool))
