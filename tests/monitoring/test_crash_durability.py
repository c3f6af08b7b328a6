"""A state change is a durable work item: a worker SIGKILLed at any step of probe →
transition → incident → notification → recovery loses nothing and pages nothing twice.

Each test runs one outage of Publer in the vendor sandbox: a worker process
(tests/monitoring/crash_child.py) probes it down, another probes it up again, and one of
the two is killed at the named point. After each worker, this process does what a fresh
worker would: `transitions_sweep` and `notifications_sweep` with time moved past the
grace and the claims, then it sends what is queued and runs the recovery jobs enqueued.
The outage must end with exactly one "opened" and one "resolved" page, each `sent` and
received once by the sandbox's Slack.

PostgreSQL only (the workers share the test database):
DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotdash_h5 .venv/bin/python -m pytest \
    tests/monitoring/test_crash_durability.py --create-db
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from approvals.models import ApprovalRequest
from integrations.models import Integration, IntegrationState
from integrations.services import catalogue_seed
from monitoring.models import Incident, IncidentEvent, Notification, StateTransition
from monitoring.services.alerting import channels_seed, notifications_sweep
from monitoring.services.reactions import CLAIM_SECONDS, SWEEP_GRACE_SECONDS, transitions_sweep
from monitoring.services.recovery import RECOVERY_LEASE, recoveries_sweep
from monitoring.tasks import recovery_run_task

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VICTIM = "publer"
OPEN_POINTS = ["after_record", "in_reaction", "before_send", "in_send", "in_recovery"]
RESOLVE_POINTS = ["after_record", "in_reaction", "before_send", "in_send"]  # no recovery job
SCENARIOS = [("open", p) for p in OPEN_POINTS] + [("resolve", p) for p in RESOLVE_POINTS]


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


@pytest.fixture
def jobs(monkeypatch):
    """This process is the fresh worker: jobs enqueued here are recorded, then run by
    `fresh_worker` in order, as the queue would run them."""
    queue: list[tuple[str, tuple]] = []

    def enqueue(func, *args, **kwargs):
        queue.append((func, args))

    monkeypatch.setattr("monitoring.services.alerting.async_task", enqueue)
    monkeypatch.setattr("monitoring.services.reactions.async_task", enqueue)
    monkeypatch.setattr("monitoring.services.recovery.async_task", enqueue)
    return queue


@pytest.fixture
def store(on_postgres, sandbox, settings, jobs):
    """The catalogue in the sandbox, alerts routed to Slack (the sandbox's), Publer paging
    at its first failure; its breaker never opens, so the recovering probe reaches it."""
    settings.SANDBOX_URL = sandbox.url
    catalogue_seed()
    assert channels_seed() >= 1
    Integration.objects.filter(slug=VICTIM).update(
        failures_before_down=1,
        probe_timeout_seconds=2,
        config={"max_attempts": 1, "circuit_failure_threshold": 1000},
    )
    return sandbox


def worker(sandbox, point: str) -> subprocess.CompletedProcess:
    """Run one probe of the victim in a worker process that dies at `point`."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "SANDBOX_URL": sandbox.url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.monitoring.crash_child", VICTIM, point],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    expected = 0 if point == "none" else -signal.SIGKILL
    assert done.returncode == expected, f"worker at {point}: {done.returncode}\n{done.stderr}"
    return done


def fresh_worker(jobs: list) -> None:
    """What the schedules do after a worker died: react to the transitions it left (past
    the grace and its claim), re-enqueue the notifications it left `sending` (past their
    claim) or never enqueued (older than a minute), then run every job enqueued meanwhile
    (sends, recovery) in order."""
    later = timezone.now() + timedelta(seconds=CLAIM_SECONDS + SWEEP_GRACE_SECONDS + 1)
    transitions_sweep(now=later)
    a_while_ago = timezone.now() - timedelta(minutes=3)
    Notification.objects.filter(status=Notification.Status.SENDING).update(
        claimed_until=a_while_ago
    )
    Notification.objects.update(created_at=F("created_at") - timedelta(minutes=3))
    notifications_sweep()
    Incident.objects.exclude(recovery_due_at=None).update(
        recovery_due_at=F("recovery_due_at") - RECOVERY_LEASE - timedelta(minutes=2)
    )  # a dead worker's recovery lease has run out
    recoveries_sweep()
    while jobs:  # only what was enqueued: a row nobody enqueues stays queued, and fails the test
        func, args = jobs.pop(0)
        import_string(func)(*args)  # a duplicate send job is refused by the claim


def slack(sandbox, incident: Incident, word: str) -> list[dict]:
    head = f"#{incident.pk} "
    return [
        m
        for m in sandbox.slack_messages()
        if head in m["payload"].get("text", "") and m["payload"]["text"].endswith(word)
    ]


def transition(to_status: str) -> StateTransition:
    return StateTransition.objects.get(integration__slug=VICTIM, to_status=to_status)


def state_at_crash(sandbox, side: str, point: str) -> None:
    """What the dead worker left behind, so each test proves it died where it says."""
    moved = transition("down" if side == "open" else "ok")
    event = "opened" if side == "open" else "resolved"
    notes = Notification.objects.filter(event=event)
    if point in {"after_record", "in_reaction"}:
        assert moved.processed_at is None  # the reaction never committed
        assert not notes.exists()
        if point == "in_reaction":
            assert moved.claimed_until is not None  # claimed by the dead worker
        if side == "open":
            assert not Incident.objects.exists()  # rolled back with the dead connection
        else:
            assert Incident.objects.get().status == "open"
    else:
        assert moved.processed_at is not None
        status = {"before_send": "queued", "in_send": "sending", "in_recovery": "sent"}[point]
        assert list(notes.values_list("status", "attempts")) == [
            (status, 0 if status == "queued" else 1)
        ]
    if point != "in_recovery":
        assert not [m for m in sandbox.slack_messages() if m["payload"]["text"].endswith(event)]


def assert_outage_ended_cleanly(sandbox) -> Incident:
    incident = Incident.objects.get(integration__slug=VICTIM)
    assert incident.status == "resolved" and incident.downtime_seconds > 0
    for event in ("opened", "resolved"):
        notes = Notification.objects.filter(incident=incident, event=event)
        assert list(notes.values_list("status", flat=True)) == ["sent"], event
        assert len(slack(sandbox, incident, event)) == 1, event
    assert not Notification.objects.filter(status__in=["sending", "queued"]).exists()
    notified = incident.events.filter(kind=IncidentEvent.Kind.NOTIFIED).count()
    assert notified == Notification.objects.filter(incident=incident, status="sent").count()
    for note in Notification.objects.filter(status="failed"):  # none expected: say why if so
        failed = incident.events.filter(kind="notify_failed", message__contains=note.last_error)
        assert failed.exists()
    assert not StateTransition.objects.filter(processed_at__isnull=True).exists()
    assert IntegrationState.objects.get(integration__slug=VICTIM).status == "ok"
    return incident


@pytest.mark.parametrize("side,point", SCENARIOS, ids=[f"{s}-{p}" for s, p in SCENARIOS])
def test_worker_killed__at_each_step__outage_pages_opened_and_resolved_exactly_once(
    store, jobs, side, point
):
    # Given Publer down in the sandbox, When a worker probes it (and dies if on this side)
    store.set_faults(VICTIM, outage=True)
    worker(store, point if side == "open" else "none")
    if side == "open":
        state_at_crash(store, side, point)
    fresh_worker(jobs)
    assert Incident.objects.get().status == "open"

    # And when it is back and a worker probes it (and dies if on this side)
    store.clear_faults(VICTIM)
    worker(store, point if side == "resolve" else "none")
    if side == "resolve":
        state_at_crash(store, side, point)
    fresh_worker(jobs)

    # Then one page opened it and one resolved it, each sent once and on the timeline
    assert_outage_ended_cleanly(store)
    if point == "in_send":
        event = "opened" if side == "open" else "resolved"
        assert Notification.objects.get(event=event).attempts == 2  # the dead one counted


def test_worker_killed_in_recovery__redelivered_job__runs_each_step_once(store, jobs):
    """The broker re-delivers a job whose worker died (django-q2 `retry`): the playbook's
    steps are idempotent by key, so running it again repeats no step."""
    store.set_faults(VICTIM, outage=True)
    worker(store, "in_recovery")
    incident = Incident.objects.get()
    assert list(ApprovalRequest.objects.values_list("action", "status")) == [
        ("monitoring.reprobe", "succeeded")
    ]
    assert recovery_run_task(incident.pk) == "not due"  # the dead worker's lease still holds
    Incident.objects.filter(pk=incident.pk).update(recovery_due_at=timezone.now())
    assert recovery_run_task(incident.pk) == "playbook exhausted"
    assert list(ApprovalRequest.objects.order_by("pk").values_list("action", flat=True)) == [
        "monitoring.reprobe",
        "integrations.circuit_reset",
    ]


def test_worker_killed_before_enqueue__recovery_playbook_still_runs(store, jobs):
    store.set_faults(VICTIM, outage=True)
    worker(store, "before_send")
    fresh_worker(jobs)
    assert ApprovalRequest.objects.filter(action="monitoring.reprobe").exists()


def test_worker_killed_before_reaction__next_failing_probe__opens_with_the_outage_cause(
    store, jobs
):
    # Given a worker died before reacting to Publer going down
    store.set_faults(VICTIM, outage=True)
    worker(store, "after_record")
    cause = transition("down").cause
    # When the next probe (a retry comes within seconds) fails again, before the sweep
    worker(store, "none")
    fresh_worker(jobs)
    # Then one page went out, for an incident that says why it opened
    incident = Incident.objects.get()
    assert Notification.objects.filter(event="opened").count() == 1
    assert incident.summary == cause
