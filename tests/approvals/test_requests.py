"""Requesting and deciding: who may, when, and what each refusal looks like."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from approvals import policies
from approvals.models import ApprovalDecision, ApprovalRequest, AuditEvent
from approvals.payload import payload_hash
from approvals.services import (
    approval_request_approve,
    approval_request_cancel,
    approval_request_create,
    approval_request_reject,
)
from hotdash.errors import DomainError
from tests.approvals.conftest import REPLY
from tests.approvals.fakes import CALLS, STATE

pytestmark = pytest.mark.django_db


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


# -- creating ---------------------------------------------------------------------------


def test_create__valid_request__is_pending_with_payload_hash_bound(operator):
    # Given an operator, When they request a reply
    request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    # Then it waits for one approval, bound to the exact payload and precondition
    assert request.status == "pending"
    assert request.required_approvals == 1
    assert request.precondition == {"conversation_version": 1}
    assert request.payload_hash == payload_hash(
        action="test.send",
        target="chatwoot.Conversation:42",
        params=REPLY,
        precondition={"conversation_version": 1},
    )
    assert request.requested_by_name == "otto"
    assert AuditEvent.objects.filter(verb="approval.requested", target_id=str(request.pk)).exists()


def test_create__unknown_action__is_refused_with_unknown_action(operator):
    error = refusal(
        lambda: approval_request_create(action="nope.nothing", params={}, requested_by=operator)
    )
    assert (error.code, error.http_status) == ("unknown_action", 400)
    assert not ApprovalRequest.objects.exists()


def test_create__params_failing_the_schema__are_refused_with_field_errors(operator):
    bad = {"conversation_id": 0, "text": "", "extra": 1}
    error = refusal(
        lambda: approval_request_create(action="test.send", params=bad, requested_by=operator)
    )
    assert error.code == "invalid"
    assert set(error.extra["errors"]) == {"conversation_id", "text", "extra"}
    assert not ApprovalRequest.objects.exists()


def test_create__by_a_viewer__is_refused(viewer):
    error = refusal(
        lambda: approval_request_create(action="test.send", params=REPLY, requested_by=viewer)
    )
    assert (error.code, error.http_status) == ("not_operator", 403)


def test_create__same_idempotency_key_twice__returns_the_first_request(operator):
    first = approval_request_create(
        action="test.send", params=REPLY, requested_by=operator, idempotency_key="incident-7-reply"
    )
    again = approval_request_create(
        action="test.send", params=REPLY, requested_by=operator, idempotency_key="incident-7-reply"
    )
    assert again.pk == first.pk
    other = {**REPLY, "text": "something else"}
    error = refusal(
        lambda: approval_request_create(
            action="test.send",
            params=other,
            requested_by=operator,
            idempotency_key="incident-7-reply",
        )
    )
    assert error.code == "conflict"


@pytest.mark.django_db(transaction=True)
def test_create__approval_policies__run_before_the_write_transaction(operator):
    # Given a policy (like the 30-day error budget's) that notes whether a transaction is open
    seen = []

    def noting(action, params):
        seen.append(connection.in_atomic_block)
        return {"extra_approvals": 1, "reason": "noted"}

    policies.register("tests.noting", noting)
    try:
        # When a live action is requested
        request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    finally:
        policies.unregister("tests.noting")
    # Then the policy ran outside any transaction, and what it decided still applies
    assert seen == [False]
    assert request.required_approvals == 2
    assert request.policy["rules"] == [
        {"name": "tests.noting", "extra_approvals": 1, "reason": "noted"}
    ]


# -- approving --------------------------------------------------------------------------


def test_approve__by_an_approver__approves_and_records_the_decision(pending, approver):
    request = approval_request_approve(request_id=pending.pk, approver=approver, comment="ok")
    assert request.status == "approved"
    decision = ApprovalDecision.objects.get(request=pending)
    assert (decision.approver_name, decision.payload_hash) == ("ada", pending.payload_hash)
    assert AuditEvent.objects.filter(verb="approval.approve", outcome="success").exists()
    assert CALLS == []  # execution is a job, not the click


def test_approve__own_request__is_refused(approver):
    # Given an approver who requested it themselves
    mine = approval_request_create(action="test.send", params=REPLY, requested_by=approver)
    # When they approve it, Then 403 own_request and nothing changes
    error = refusal(lambda: approval_request_approve(request_id=mine.pk, approver=approver))
    assert (error.code, error.http_status) == ("own_request", 403)
    mine.refresh_from_db()
    assert mine.status == "pending" and not mine.decisions.exists()
    assert AuditEvent.objects.filter(verb="approval.approve", outcome="denied").exists()


def test_approve__twice_by_the_same_person__is_refused_with_already_decided(approver):
    Group.objects.get(name="operators").user_set.add(approver)
    request = approval_request_create(action="test.send2", params=REPLY, requested_by=None)
    approval_request_approve(request_id=request.pk, approver=approver)
    error = refusal(lambda: approval_request_approve(request_id=request.pk, approver=approver))
    assert (error.code, error.http_status) == ("already_decided", 409)
    assert request.decisions.count() == 1


def test_approve__without_the_approvers_role__is_refused(pending, operator, superuser):
    for user in (operator, superuser):
        error = refusal(lambda u=user: approval_request_approve(request_id=pending.pk, approver=u))
        assert (error.code, error.http_status) == ("not_approver", 403)
    assert not pending.decisions.exists()


def test_approve__after_expiry__is_refused_and_the_request_expires(pending, approver):
    ApprovalRequest.objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    error = refusal(lambda: approval_request_approve(request_id=pending.pk, approver=approver))
    assert (error.code, error.http_status) == ("expired", 409)
    pending.refresh_from_db()
    assert pending.status == "expired" and not pending.decisions.exists()


def test_approve__after_the_precondition_changed__is_a_conflict(pending, approver):
    # Given the conversation changed since the request was made
    STATE["version"] = 2
    # When an approver approves, Then 409 conflict and the request is closed as conflict
    error = refusal(lambda: approval_request_approve(request_id=pending.pk, approver=approver))
    assert (error.code, error.http_status) == ("conflict", 409)
    pending.refresh_from_db()
    assert pending.status == "conflict" and CALLS == []


def test_approve__drifted__records_the_same_code_as_execution(pending, approver):
    # Given the conversation changed since the request was made
    STATE["version"] = 2
    # When an approver approves, Then the 409 says `conflict` and the request keeps
    # the drift's own code, the one execution would record (`precondition_drift`)
    error = refusal(lambda: approval_request_approve(request_id=pending.pk, approver=approver))
    pending.refresh_from_db()
    assert error.code == "conflict"
    assert pending.result == {"code": "precondition_drift", "detail": error.detail}


def test_approve__with_a_stale_payload_hash__is_a_conflict(pending, approver):
    error = refusal(
        lambda: approval_request_approve(
            request_id=pending.pk, approver=approver, payload_hash="f" * 64
        )
    )
    assert error.code == "conflict"
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_approve__stored_params_edited__is_a_conflict(pending, approver):
    ApprovalRequest.objects.filter(pk=pending.pk).update(params={**REPLY, "text": "send money"})
    error = refusal(lambda: approval_request_approve(request_id=pending.pk, approver=approver))
    assert error.code == "conflict"
    pending.refresh_from_db()
    assert (pending.status, pending.result["code"]) == ("conflict", "payload_changed")


def test_approve__quorum_of_two__needs_two_distinct_approvers(operator, approver, other_approver):
    request = approval_request_create(action="test.send2", params=REPLY, requested_by=operator)
    assert approval_request_approve(request_id=request.pk, approver=approver).status == "pending"
    assert (
        approval_request_approve(request_id=request.pk, approver=other_approver).status
        == "approved"
    )


def test_approve__a_decided_request__is_refused_with_not_pending(pending, approver, other_approver):
    approval_request_approve(request_id=pending.pk, approver=approver)
    error = refusal(
        lambda: approval_request_approve(request_id=pending.pk, approver=other_approver)
    )
    assert (error.code, error.http_status) == ("not_pending", 409)


def test_approve__missing_request__is_404(approver):
    assert (
        refusal(lambda: approval_request_approve(request_id=999, approver=approver)).http_status
        == 404
    )


# -- rejecting and cancelling -----------------------------------------------------------


def test_reject__one_rejection__is_final(pending, approver, other_approver):
    request = approval_request_reject(
        request_id=pending.pk, approver=approver, comment="wrong tone"
    )
    assert request.status == "rejected"
    error = refusal(
        lambda: approval_request_approve(request_id=pending.pk, approver=other_approver)
    )
    assert error.code == "not_pending"


def test_reject__own_request__is_refused(approver):
    mine = approval_request_create(action="test.send", params=REPLY, requested_by=approver)
    assert (
        refusal(lambda: approval_request_reject(request_id=mine.pk, approver=approver)).code
        == "own_request"
    )


def test_cancel__by_the_requester__cancels(pending, operator):
    assert approval_request_cancel(request_id=pending.pk, user=operator).status == "cancelled"


def test_cancel__by_someone_else_without_the_role__is_refused(pending, viewer):
    error = refusal(lambda: approval_request_cancel(request_id=pending.pk, user=viewer))
    assert (error.code, error.http_status) == ("not_allowed", 403)


def test_cancel__a_finished_request__is_refused_and_terminal_states_never_change(
    pending, operator, approver
):
    approval_request_reject(request_id=pending.pk, approver=approver)
    error = refusal(lambda: approval_request_cancel(request_id=pending.pk, user=operator))
    assert error.code == "not_pending"
    pending.refresh_from_db()
    assert pending.status == "rejected"
