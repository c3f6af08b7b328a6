"""Decisions against someone who can write the database (issue 14 item 10, continued).

The payload hash is keyed, so a database writer cannot change what a request does; but the
decisions were rows like any other, so they could add an approval, turn a rejection into
one, or lower the number needed. Each decision now carries an HMAC (the payload key, a salt
of its own) over the request, the approver, the verdict and the payload hash; execution
counts only signed decisions, and never fewer than the action itself requires.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from approvals.models import ApprovalDecision, ApprovalRequest
from approvals.payload import decision_signed
from approvals.services import (
    approval_request_approve,
    approval_request_create,
    approval_request_execute,
    approval_request_reject,
)
from tests.approvals import fakes
from tests.approvals.conftest import REPLY, fake_actions  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_actions")]


def forge_approval(request: ApprovalRequest, approver, signature: str = "") -> None:
    """What a database writer does: insert an approval with the right payload hash, and
    mark the request approved."""
    ApprovalDecision.objects.create(
        request=request,
        approver=approver,
        approver_name=approver.get_username(),
        verdict="approve",
        payload_hash=request.payload_hash,
        signature=signature,
    )
    ApprovalRequest.objects.filter(pk=request.pk).update(status="approved")


def executed(request: ApprovalRequest) -> tuple[str, str]:
    request = approval_request_execute(request_id=request.pk)
    return request.status, request.result.get("code", "")


def test_added_approval__completing_a_quorum__is_not_counted(operator, approver, other_approver):
    # Given a request needing two approvals, one given by an approver
    request = approval_request_create(action="test.send2", params=REPLY, requested_by=operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    # When a database writer adds the second in another approver's name
    forge_approval(request, other_approver)
    # Then execution refuses, and the action is never called
    assert executed(request) == ("conflict", "approval_unsigned")
    assert fakes.CALLS == []


def test_added_approval__with_a_signature_copied_from_another__is_not_counted(
    operator, approver, other_approver
):
    request = approval_request_create(action="test.send2", params=REPLY, requested_by=operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    copied = ApprovalDecision.objects.get(request=request).signature
    forge_approval(request, other_approver, signature=copied)
    assert executed(request) == ("conflict", "approval_unsigned")
    assert fakes.CALLS == []


def test_rejection_turned_into_an_approval__is_not_counted(operator, approver):
    # Given a rejected request, When a writer turns the rejection into an approval
    request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    approval_request_reject(request_id=request.pk, approver=approver)
    ApprovalDecision.objects.filter(request=request).update(verdict="approve")
    ApprovalRequest.objects.filter(pk=request.pk).update(status="approved")
    # Then it does not execute
    assert executed(request) == ("conflict", "approval_unsigned")
    assert fakes.CALLS == []


def test_required_approvals_lowered__to_zero__still_needs_the_actions_own(operator):
    # Given a live request with no decision, When a writer sets it to need none, approved
    request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    ApprovalRequest.objects.filter(pk=request.pk).update(required_approvals=0, status="approved")
    # Then the action's own requirement (one approval) still holds
    assert executed(request) == ("conflict", "quorum_missing")
    assert fakes.CALLS == []


def test_signed_approvals__still_execute(operator, approver, other_approver):
    request = approval_request_create(action="test.send2", params=REPLY, requested_by=operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    approval_request_approve(request_id=request.pk, approver=other_approver)
    assert all(decision_signed(d) for d in ApprovalDecision.objects.filter(request=request))
    assert executed(request) == ("succeeded", "")
    assert len(fakes.CALLS) == 1


def test_migration__existing_decisions__are_signed_and_count(operator, approver):
    # Given an approved request whose decision predates signatures
    request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    ApprovalDecision.objects.filter(request=request).update(signature="")
    # When migration 0007 runs, Then the decision is signed and the request executes
    importlib.import_module("approvals.migrations.0007_decision_signature").sign_decisions(
        apps, None
    )
    assert executed(request) == ("succeeded", "")
