"""django-q2 jobs of the monitoring app (declared in hotdash.schedules), the SLO, anomaly and
vendor-signal jobs included. Tasks take ids or nothing, never model objects; each returns a
small summary stored as its result."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

from django.conf import settings
from django.utils import timezone

from monitoring.leases import lease_acquire, lease_release
from monitoring.models import Lease
from monitoring.pool import DbThreadPool
from monitoring.rollups import checks_prune, rollups_prune, rollups_refresh
from monitoring.runner import CycleRunner, probe_loop_run, sleep_until
from monitoring.services.alerting import notification_send, notifications_sweep
from monitoring.services.burn_alerts import burn_alerts_evaluate
from monitoring.services.findings import findings_sync
from monitoring.services.maintenance import maintenance_tick
from monitoring.services.reactions import incidents_escalate, transitions_sweep
from monitoring.services.recovery import recoveries_sweep, recovery_run_due
from monitoring.slo.anomaly import anomalies_evaluate, flows_evaluate
from monitoring.slo.flows import flows_collect
from monitoring.slo.report import sla_report_mail
from monitoring.slo.signals import signals_evaluate
from monitoring.slo.signals.reconcile import publer_evaluate, shopify_ga4_evaluate
from monitoring.summaries import summaries_refresh

log = logging.getLogger(__name__)


def run_due_probes_task(
    duration: float | None = None, purpose: str = "schedule", hops: int = 0
) -> dict:
    """One run of the probe loop (`monitoring.runner.probe_loop_run`): it holds a slot,
    claiming and probing due integrations every tick, or stands by in another job cluster
    to take the slot within `LEASE_SECONDS` of that cluster's death.

    Started every minute by a schedule, and by the loop itself (`purpose` "standby" when a
    slot has no standby, "relieve" near a run's end; `hops` counts a standby run's
    re-enqueues after landing in its holder's cluster). A run lasts at most `duration` (so
    it stays within Q_CLUSTER's timeout). `PROBE_LOOP["standby"] = False` restores the
    previous behaviour (`_run_with_handoff`; benchmarks' baseline), as does `handoff_wait`
    0 (PROBE_LOOP_HANDOFF=false: fixed runs that skip when the slot is held) unless
    `standby` is set. Returns the totals
    (stored as the task's result).
    """
    config = settings.PROBE_LOOP
    duration = config["duration"] if duration is None else duration
    if not config.get("standby", config.get("handoff_wait", 0) > 0):
        return _run_with_handoff(duration)
    return probe_loop_run(duration=duration, purpose=purpose, hops=hops)


# The previous behaviour: a 60 s lease, and a run that finds every slot held waits up to
# `handoff_wait` as its successor, which the holder hands over to at its next tick.


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _take_slot(holder: str, seconds: float) -> str | None:
    for index in range(settings.PROBE_LOOP["slots"]):
        name = f"probe-loop-{index}"
        if lease_acquire(name=name, holder=holder, seconds=seconds):
            return name
    return None


def _take_over(holder: str, seconds: float, wait: float) -> str | None:
    """Become the successor of a held slot (lease `<slot>-next`) and wait up to `wait`
    seconds for its holder to hand it over; returns the slot, or None."""
    poll = settings.PROBE_LOOP["tick"] / 4
    for index in range(settings.PROBE_LOOP["slots"]):
        name = f"probe-loop-{index}"
        if not lease_acquire(name=f"{name}-next", holder=holder, seconds=wait + 5):
            continue
        try:
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if lease_acquire(name=name, holder=holder, seconds=seconds):
                    return name
                time.sleep(poll)
        finally:
            lease_release(name=f"{name}-next", holder=holder)
        return None
    return None


def _successor_waiting(slot: str) -> bool:
    return Lease.objects.filter(name=f"{slot}-next", expires_at__gt=timezone.now()).exists()


def _run_with_handoff(duration: float) -> dict:
    config = settings.PROBE_LOOP
    holder, lease_seconds = _holder(), config.get("lease_seconds", 60.0)
    handoff = min(config.get("handoff_wait", 0), duration)
    slot = _take_slot(holder, lease_seconds) or (
        _take_over(holder, lease_seconds, handoff) if handoff > 0 else None
    )
    if slot is None:
        return {"skipped": "every probe-loop slot is held by a running loop"}
    stop = time.monotonic() + duration
    pool = DbThreadPool(config["concurrency"])
    runner = CycleRunner(pool, limit=config["batch"])
    try:
        _loop(runner, slot, holder, lease_seconds, stop, handoff > 0)
    finally:
        lease_release(name=slot, holder=holder)
        totals = runner.join()
        pool.close()
    return {"slot": slot, **totals.totals()}


def _loop(runner, slot: str, holder: str, lease_seconds: float, stop: float, handoff: bool):
    config = settings.PROBE_LOOP
    while time.monotonic() < stop:
        tick_end = time.monotonic() + config["tick"]
        if not lease_acquire(name=slot, holder=holder, seconds=lease_seconds):
            log.warning("lost the %s lease; stopping this loop", slot)
            return
        if handoff and _successor_waiting(slot):
            return  # the successor takes the slot as soon as it is released
        if runner.dispatch() < config["batch"]:
            sleep_until(min(tick_end, stop))


def rollups_refresh_task(hours: int | None = None) -> dict:
    """Roll up the hours not yet rolled up (or the last `hours`; idempotent upserts), then
    the per-integration summaries that list reads serve."""
    return {"rollups": rollups_refresh(hours=hours), "summaries": summaries_refresh()}


def checks_prune_task() -> dict:
    """Delete raw check results past their retention that are already rolled up, and
    rollups past theirs."""
    return {
        "checks": checks_prune(days=settings.CHECK_RETENTION_DAYS),
        "rollups": rollups_prune(days=settings.ROLLUP_RETENTION_DAYS),
    }


def notification_send_task(notification_id: int) -> str:
    """Send one alert (claimed first, so a duplicate job does nothing)."""
    return notification_send(notification_id)


def notifications_sweep_task() -> int:
    """Re-enqueue alerts whose job was lost or whose retry is due."""
    return notifications_sweep()


def incidents_escalate_task() -> int:
    """Re-notify and escalate unacknowledged incidents whose time has come."""
    return incidents_escalate()


def maintenance_tick_task() -> dict:
    """Move integrations into and out of maintenance as windows start and end."""
    return maintenance_tick()


def recovery_run_task(incident_id: int) -> str:
    """Run an incident's recovery playbook, if it is still due (claimed first)."""
    return recovery_run_due(incident_id)


def transitions_sweep_task() -> dict:
    """React to state changes a dead worker (or a failed reaction) left unprocessed, and
    start the recovery playbooks whose job was lost."""
    return {"transitions": transitions_sweep(), "recoveries": recoveries_sweep()}


# SLOs, anomalies and vendor signals (docs/slo.md).


def slo_evaluate_task() -> dict:
    """Every minute: burn-rate alerts and latency / error-rate anomalies."""
    return {"burn_rate": burn_alerts_evaluate(), "anomalies": anomalies_evaluate()}


def flows_task() -> dict:
    """Every 10 minutes: collect hourly business counts, then look for droughts."""
    return {"collected": flows_collect(), "droughts": flows_evaluate()}


def signals_task() -> dict:
    """Every 5 minutes: vendor signals (sunset, deprecations, quotas, webhooks,
    credentials, MCP tool drift), then each integration's findings incident in step."""
    found = signals_evaluate()
    return {**found, "incidents": findings_sync()}


def reconcile_task() -> dict:
    """Hourly: Shopify orders vs GA4 purchases, Publer scheduled vs published."""
    now = timezone.now()
    found = {"shopify_ga4": shopify_ga4_evaluate(now), "publer": publer_evaluate(now)}
    return {**found, "incidents": findings_sync(now=now)}


def sla_report_task() -> str:
    """Weekly: queue last week's SLA report to the report channels (once per week, whatever
    the schedule's timing)."""
    return sla_report_mail()
