"""django-q2 jobs of the monitoring app. Tasks take ids or nothing, never model objects."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

from django.conf import settings

from monitoring.alerting import notification_send, notifications_sweep
from monitoring.engine import CycleStats, probe_cycle, sleep_until
from monitoring.leases import lease_acquire, lease_release
from monitoring.maintenance import maintenance_tick
from monitoring.pool import DbThreadPool
from monitoring.reactions import incidents_escalate
from monitoring.recovery import recovery_run
from monitoring.rollups import checks_prune, rollups_prune, rollups_refresh
from monitoring.summaries import summaries_refresh

log = logging.getLogger(__name__)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _take_slot(holder: str, seconds: float) -> str | None:
    for index in range(settings.PROBE_LOOP["slots"]):
        name = f"probe-loop-{index}"
        if lease_acquire(name=name, holder=holder, seconds=seconds):
            return name
    return None


def run_due_probes_task(duration: float | None = None) -> dict:
    """Loop for about a minute, claiming and probing due integrations every tick.

    Started every minute by a schedule. It runs only while holding one of the
    `PROBE_LOOP["slots"]` leases, so runs never pile up; several slots let
    several clusters probe side by side (their claims never overlap).
    Returns the totals (stored by django-q2 as the task's result).
    """
    config = settings.PROBE_LOOP
    duration = config["duration"] if duration is None else duration
    holder, lease_seconds = _holder(), duration + 30
    slot = _take_slot(holder, lease_seconds)
    if slot is None:
        return {"skipped": "every probe-loop slot is held by a running loop"}
    totals = CycleStats()
    stop = time.monotonic() + duration
    try:
        with DbThreadPool(config["concurrency"]) as pool:
            while time.monotonic() < stop:
                tick_end = time.monotonic() + config["tick"]
                if not lease_acquire(name=slot, holder=holder, seconds=lease_seconds):
                    log.warning("lost the %s lease; stopping this loop", slot)
                    break
                stats = probe_cycle(pool=pool)
                totals.add(stats)
                if stats.claimed < config["batch"]:
                    sleep_until(min(tick_end, stop))
    finally:
        lease_release(name=slot, holder=holder)
    return {"slot": slot, **totals.totals()}


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
    """Run an incident's recovery playbook."""
    return recovery_run(incident_id)
