"""Guarantees under real concurrency, on PostgreSQL (skipped on SQLite).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotdash_gov .venv/bin/pytest tests/approvals
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from approvals.audit import Actor, audit_record, audit_verify
from approvals.models import ApprovalRequest, AuditEvent
from approvals.services import (
    approval_request_approve,
    approval_request_create,
    approval_request_execute,
    approvals_sweep,
)
from hotdash.errors import DomainError
from tests.approvals import fakes
from tests.approvals.conftest import REPLY
from tests.concurrency import in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]


# -- the trigger ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE approvals_auditevent SET reason = 'x'",
        "DELETE FROM approvals_auditevent",
        "TRUNCATE approvals_auditevent",
    ],
)
def test_trigger__update_delete_truncate__are_refused_by_the_database(statement):
    audit_record(actor=Actor.system("t"), verb="a.b")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL hotdash.audit_strict = 'on'")  # no test-database exemption
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_trigger__orm_update__is_refused():
    audit_record(actor=Actor.system("t"), verb="a.b")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(verb="forged")


@pytest.mark.django_db
def test_trigger__any_insert__is_linked_by_the_database_whatever_it_claims():
    first = audit_record(actor=Actor.system("t"), verb="a.b")
    forged = AuditEvent.objects.create(
        seq=99, at=timezone.now(), actor_type="system", verb="sneaky", prev_hash="x", hash="y"
    )
    forged.refresh_from_db()
    assert (forged.seq, forged.prev_hash) == (2, first.hash)
    report = audit_verify()  # linked, but its body digest was not the real one
    assert (report.first_break.seq, report.first_break.kind) == (2, "edited")


# -- concurrent writers -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_audit__four_concurrent_writers__never_fork_the_chain():
    def write(i: int) -> int:
        for n in range(50):
            audit_record(actor=Actor.system(f"writer-{i}"), verb="bench.append", changes={"n": n})
        return i

    results = in_threads(4, write)
    assert results == [0, 1, 2, 3]
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 201)
    )
    report = audit_verify()
    assert report.ok and report.checked == 200


# -- deciding at once -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_approve__two_approvers_at_once_on_one_approval__exactly_one_decides(
    operator, approver, other_approver
):
    request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    people = [approver, other_approver]
    results = in_threads(
        2, lambda i: approval_request_approve(request_id=request.pk, approver=people[i])
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].code == "not_pending"
    request.refresh_from_db()
    assert request.status == "approved" and request.decisions.count() == 1


@pytest.mark.django_db(transaction=True)
def test_approve__two_approvers_at_once_on_a_quorum_of_two__both_count(
    operator, approver, other_approver
):
    request = approval_request_create(action="test.send2", params=REPLY, requested_by=operator)
    people = [approver, other_approver]
    results = in_threads(
        2, lambda i: approval_request_approve(request_id=request.pk, approver=people[i])
    )
    assert not any(isinstance(r, Exception) for r in results)
    request.refresh_from_db()
    assert request.status == "approved" and request.decisions.count() == 2
    assert AuditEvent.objects.filter(verb="approval.approve", outcome="success").count() == 2
    assert audit_verify().ok


# -- claiming at once -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_execute__eight_workers_claiming_one_request__perform_it_once(operator, approver):
    request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    results = in_threads(8, lambda i: approval_request_execute(request_id=request.pk))
    assert not any(isinstance(r, Exception) for r in results)
    assert len(fakes.CALLS) == 1
    request.refresh_from_db()
    assert (request.status, request.attempts) == ("succeeded", 1)


# -- a worker killed mid-flight ---------------------------------------------------------

WORKER = """
import os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "hotdash.settings.test"
django.setup()
from tests.approvals import fakes
fakes.register_fakes()
fakes.BEHAVIOUR["mode"] = sys.argv[2]
from approvals.services import approval_request_execute
approval_request_execute(request_id=int(sys.argv[1]))
"""


def _worker_env(log: Path) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, fakes.LOG_ENV: str(log)}


def _events(log: Path) -> list[str]:
    return (
        [json.loads(line)["event"] for line in log.read_text().splitlines()] if log.exists() else []
    )


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_flight__sweeper_recovers_and_it_runs_once(operator, approver, tmp_path):
    # Given an approved request and a worker process stuck inside the vendor call
    request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    log = tmp_path / "performs.log"
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(request.pk), "block"],
        cwd=settings.BASE_DIR,
        env=_worker_env(log),
    )
    deadline = time.monotonic() + 30
    while "start" not in _events(log) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _events(log) == ["start"]
    # When the worker is killed before recording anything
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    request.refresh_from_db()
    assert request.status == "executing"
    # Then a second job does nothing, and the sweeper marks it unknown after the lease
    assert approval_request_execute(request_id=request.pk).status == "executing"
    with override_settings(APPROVALS_EXECUTING_LEASE=timedelta(0)):
        fakes.RECONCILE["answer"] = None
        approvals_sweep()
    request.refresh_from_db()
    assert request.status == "unknown"
    # And once reconciliation says the call never reached the vendor, it runs exactly once
    fakes.RECONCILE["answer"] = {"performed": False}
    approvals_sweep()
    approval_request_execute(request_id=request.pk)
    request.refresh_from_db()
    assert (request.status, request.attempts) == ("succeeded", 2)
    assert len(fakes.CALLS) == 1
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_worker_process__running_the_job__performs_and_records(operator, approver, tmp_path):
    request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    log = tmp_path / "performs.log"
    env = _worker_env(log)
    done = [
        subprocess.run(
            [sys.executable, "-c", WORKER, str(request.pk), "ok"],
            cwd=settings.BASE_DIR,
            env=env,
            timeout=60,
        )
        for _ in range(2)
    ]
    assert all(result.returncode == 0 for result in done)
    assert _events(log) == ["start", "done"]
    assert ApprovalRequest.objects.get(pk=request.pk).status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_create__same_idempotency_key_at_once__one_request_for_everyone(operator):
    def create(i: int):
        return approval_request_create(
            action="test.send",
            params=REPLY,
            requested_by=operator,
            idempotency_key="incident-9-step-2",
        ).pk

    results = in_threads(6, create)
    assert len(set(results)) == 1 and ApprovalRequest.objects.count() == 1


# -- the real job cluster on the Redis broker -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_cluster__approved_request__is_executed_by_a_redis_broker_worker(
    operator, approver, tmp_path
):
    """Given a django-q2 cluster on Redis (REDIS_URL; db 14 locally), When an approver
    approves, Then a worker executes the request: on_commit → async_task → the job."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (the Redis broker)")
    from functools import partial

    from django_q import tasks

    from approvals.models import FeatureFlag

    name = f"hotdash-test-{uuid.uuid4().hex[:8]}"
    env = _worker_env(tmp_path / "unused.log")
    env |= {
        "DJANGO_SETTINGS_MODULE": "tests.approvals.qcluster_settings",
        "HOTDASH_TEST_Q_CLUSTER": name,
    }
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        FeatureFlag.objects.create(key="tiles.new", kind="release")
        request = approval_request_create(
            action="flags.set", params={"key": "tiles.new", "enabled": True}, requested_by=operator
        )
        with mock.patch("django_q.tasks.async_task", partial(tasks.async_task, cluster=name)):
            approval_request_approve(request_id=request.pk, approver=approver)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            request.refresh_from_db()
            if request.finished_at:
                break
            time.sleep(0.1)
    finally:
        cluster.terminate()
        cluster.wait(30)
    assert request.status == "succeeded"
    assert FeatureFlag.objects.get(key="tiles.new").enabled
