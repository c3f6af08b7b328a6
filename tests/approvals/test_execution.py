"""Executing approved requests: once, re-checked at the moment, outcomes recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError
from django.utils import timezone

from approvals import registry
from approvals.models import ApprovalRequest, AuditEvent, FeatureFlag
from approvals.services import (
    action_run_safe,
    approval_request_approve,
    approval_request_create,
    approval_request_execute,
    approvals_sweep,
    kill_switch_set,
)
from approvals.tasks import approval_execute_task
from hotdash.errors import DomainError
from tests.approvals.conftest import REPLY
from tests.approvals.fakes import BEHAVIOUR, CALLS, RECONCILE, STATE

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(pending, approver):
    return approval_request_approve(request_id=pending.pk, approver=approver)


def test_approve__quorum_reached__queues_the_execution_job_on_commit(
    pending, approver, django_capture_on_commit_callbacks
):
    with mock.patch("django_q.tasks.async_task") as async_task:
        with django_capture_on_commit_callbacks(execute=True):
            approval_request_approve(request_id=pending.pk, approver=approver)
    async_task.assert_called_once_with("approvals.tasks.approval_execute_task", pending.pk)


def test_execute__approved_request__performs_once_with_its_idempotency_key(approved):
    request = approval_request_execute(request_id=approved.pk)
    assert request.status == "succeeded"
    assert CALLS == [(REPLY, approved.idempotency_key)]
    assert request.result == {"sent": True, "conversation_id": 42}
    assert request.started_at and request.finished_at and request.attempts == 1
    assert AuditEvent.objects.filter(verb="approval.execute", outcome="success").exists()


def test_execute__the_job_running_twice__performs_the_action_once(approved):
    assert approval_execute_task(approved.pk) == "succeeded"
    assert approval_execute_task(approved.pk) == "succeeded"
    assert len(CALLS) == 1


def test_execute__pending_request__does_nothing(pending):
    assert approval_request_execute(request_id=pending.pk).status == "pending"
    assert CALLS == []


def test_execute__kill_switch_set_while_queued__is_refused_without_calling(approved, operator):
    # Given an approved request waiting for its job, When an operator sets the integration's switch
    kill_switch_set(scope="integration", target="chatwoot", actor=operator, reason="bad replies")
    # Then the job ends it as conflict and never calls the vendor
    request = approval_request_execute(request_id=approved.pk)
    assert (request.status, request.result["code"]) == ("conflict", "kill_switch")
    assert "kill.integration.chatwoot" in request.error
    assert CALLS == []


@pytest.mark.parametrize(
    ("scope", "target"), [("global", ""), ("action", "test.send"), ("integration", "chatwoot")]
)
def test_execute__any_matching_kill_switch__stops_it(approved, operator, scope, target):
    kill_switch_set(scope=scope, target=target, actor=operator, reason="stop")
    assert approval_request_execute(request_id=approved.pk).status == "conflict"
    assert CALLS == []


def test_execute__kill_switch_of_another_integration__does_not_stop_it(approved, operator):
    kill_switch_set(scope="integration", target="shopify", actor=operator, reason="stop")
    assert approval_request_execute(request_id=approved.pk).status == "succeeded"


def test_execute__flags_unreadable__denies_the_live_action(approved):
    with mock.patch(
        "approvals.selectors.FeatureFlag.objects.filter", side_effect=DatabaseError("gone")
    ):
        request = approval_request_execute(request_id=approved.pk)
    assert (request.status, request.result["code"]) == ("conflict", "flags_unavailable")
    assert CALLS == []


def test_execute__approver_lost_the_role__is_refused(approved, approver):
    approver.groups.remove(Group.objects.get(name="approvers"))
    request = approval_request_execute(request_id=approved.pk)
    assert (request.status, request.result["code"]) == ("conflict", "role_revoked")
    assert CALLS == []


def test_execute__approver_deactivated__is_refused(approved, approver):
    approver.is_active = False
    approver.save()
    assert approval_request_execute(request_id=approved.pk).result["code"] == "role_revoked"


def test_execute__precondition_drifted__is_a_conflict(approved):
    STATE["version"] = 3
    request = approval_request_execute(request_id=approved.pk)
    assert (request.status, request.result["code"]) == ("conflict", "precondition_drift")
    assert CALLS == []


def test_execute__stored_payload_edited__is_a_conflict(approved):
    ApprovalRequest.objects.filter(pk=approved.pk).update(params={**REPLY, "text": "edited"})
    request = approval_request_execute(request_id=approved.pk)
    assert request.result["code"] == "payload_changed"
    assert CALLS == []


def test_execute__long_after_expiry__expires_instead(approved):
    ApprovalRequest.objects.filter(pk=approved.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    assert approval_request_execute(request_id=approved.pk).status == "expired"
    assert CALLS == []


def test_execute__vendor_refuses__is_failed(approved):
    BEHAVIOUR["mode"] = "fail"
    request = approval_request_execute(request_id=approved.pk)
    assert request.status == "failed" and "conversation closed" in request.error


@pytest.mark.parametrize("mode", ["timeout", "crash"])
def test_execute__no_answer_after_sending__is_unknown_and_never_retried(approved, mode):
    BEHAVIOUR["mode"] = mode
    request = approval_request_execute(request_id=approved.pk)
    assert request.status == "unknown"
    approvals_sweep()  # no reconciliation answer: stays unknown, nothing re-sent
    approval_execute_task(approved.pk)
    request.refresh_from_db()
    assert request.status == "unknown" and len(CALLS) == 1


def test_terminal_request__never_changes_again(approved):
    approval_request_execute(request_id=approved.pk)
    approvals_sweep(now=timezone.now() + timedelta(days=30))
    approved.refresh_from_db()
    assert approved.status == "succeeded"


# -- the sweeper ------------------------------------------------------------------------


def test_sweep__pending_past_expiry__expires(pending):
    counts = approvals_sweep(now=pending.expires_at + timedelta(seconds=1))
    pending.refresh_from_db()
    assert counts["expired"] == 1 and pending.status == "expired"
    assert AuditEvent.objects.filter(
        verb="approval.expired", actor_name="approvals-sweeper"
    ).exists()


def test_sweep__approved_job_lost__is_queued_again(approved, django_capture_on_commit_callbacks):
    with mock.patch("django_q.tasks.async_task") as async_task:
        with django_capture_on_commit_callbacks(execute=True):
            counts = approvals_sweep(now=timezone.now() + timedelta(minutes=5))
    assert counts["requeued"] == 1
    async_task.assert_called_once_with("approvals.tasks.approval_execute_task", approved.pk)


def test_sweep__worker_died_mid_flight__unknown_then_reconciled_and_run_once(
    approved, django_capture_on_commit_callbacks
):
    # Given a worker that claimed the request and died before recording anything
    ApprovalRequest.objects.filter(pk=approved.pk).update(
        status="executing", started_at=timezone.now() - timedelta(hours=1), attempts=1
    )
    # And the vendor confirms (reconciliation) the call never arrived
    RECONCILE["answer"] = {"performed": False}
    with mock.patch("django_q.tasks.async_task") as async_task:
        with django_capture_on_commit_callbacks(execute=True):
            counts = approvals_sweep()
    # Then it is approved again and queued; the job then performs it exactly once
    assert (counts["unknown"], counts["reconciled"]) == (1, 1)
    async_task.assert_called_once()
    assert approval_execute_task(approved.pk) == "succeeded"
    assert len(CALLS) == 1


def test_sweep__unknown_outcome_reconciled_as_performed__succeeds_without_calling(approved):
    BEHAVIOUR["mode"] = "timeout"
    approval_request_execute(request_id=approved.pk)
    RECONCILE["answer"] = {"performed": True, "message_id": 7}
    approvals_sweep()
    approved.refresh_from_db()
    assert approved.status == "succeeded" and approved.result["message_id"] == 7
    assert len(CALLS) == 1


# -- safe actions -----------------------------------------------------------------------


def test_run_safe__safe_action__runs_now_with_a_record():
    request = action_run_safe(action="test.safe", params=REPLY, reason="recovery step")
    assert (request.status, request.risk, request.required_approvals) == ("succeeded", "safe", 0)
    assert len(CALLS) == 1 and request.requested_by_name == "system"


def test_run_safe__live_action__is_refused():
    with pytest.raises(DomainError) as caught:
        action_run_safe(action="test.send", params=REPLY)
    assert caught.value.code == "approval_required"
    assert CALLS == [] and not ApprovalRequest.objects.exists()


def test_run_safe__kill_switch_set__is_still_refused(operator):
    kill_switch_set(scope="global", actor=operator, reason="freeze")
    assert action_run_safe(action="test.safe", params=REPLY).status == "conflict"
    assert CALLS == []


def test_create__safe_action_by_an_operator__is_approved_at_once(operator):
    request = approval_request_create(action="test.safe", params=REPLY, requested_by=operator)
    assert request.status == "approved" and request.decided_at is not None


def test_flag_row__kill_switch_created_by_set(operator):
    flag = kill_switch_set(scope="global", actor=operator, reason="freeze")
    assert (flag.key, flag.kind, flag.enabled) == (
        "kill.global",
        FeatureFlag.Kind.KILL_SWITCH,
        True,
    )


def test_execute__a_recheck_that_crashes__is_a_conflict_not_a_stuck_request(approved):
    def crash(params):
        raise RuntimeError("boom")

    action = registry.get("test.send")
    with mock.patch.dict(registry._actions, {"test.send": replace(action, precondition=crash)}):
        request = approval_request_execute(request_id=approved.pk)
    assert (request.status, request.result["code"]) == ("conflict", "recheck_failed")
    assert CALLS == []


def test_resolve__a_person_settles_an_unknown_outcome(approved, other_approver, operator):
    from approvals.services import approval_request_resolve

    BEHAVIOUR["mode"] = "timeout"
    approval_request_execute(request_id=approved.pk)
    with pytest.raises(DomainError) as caught:
        approval_request_resolve(request_id=approved.pk, user=operator, performed=True, comment="x")
    assert caught.value.code == "not_approver"
    request = approval_request_resolve(
        request_id=approved.pk, user=other_approver, performed=True, comment="seen in the inbox"
    )
    assert request.status == "succeeded"
    with pytest.raises(DomainError) as caught:
        approval_request_resolve(
            request_id=approved.pk, user=other_approver, performed=False, comment="x"
        )
    assert caught.value.code == "not_unknown"
    assert len(CALLS) == 1
