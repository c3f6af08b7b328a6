"""Governance's database guarantees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from approvals.models import ApprovalDecision, ApprovalRequest, AuditEvent, FeatureFlag

pytestmark = pytest.mark.django_db


def request_for(user):
    return ApprovalRequest.objects.create(
        action="chatwoot.send_reply",
        payload_hash="0" * 64,
        requested_by=user,
        requested_by_name=user.username,
        expires_at=timezone.now() + timedelta(hours=1),
        idempotency_key="req-1",
    )


def test_decision__same_approver_twice__refused_by_database(operator, approver):
    request = request_for(operator)
    ApprovalDecision.objects.create(
        request=request, approver=approver, approver_name="ada", verdict="approve", payload_hash="0"
    )
    with pytest.raises(IntegrityError):
        ApprovalDecision.objects.create(
            request=request,
            approver=approver,
            approver_name="ada",
            verdict="reject",
            payload_hash="0",
        )


def test_request__idempotency_key_reused__refused_by_database(operator):
    request_for(operator)
    with pytest.raises(IntegrityError):
        request_for(operator)


def test_flag__rollout_over_100__refused_by_database():
    with pytest.raises(IntegrityError):
        FeatureFlag.objects.create(key="x", rollout_percent=101)


def test_audit__sequence_number_reused__refused_by_database():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL's insert trigger assigns seq itself (test_postgres.py)")
    fields = {
        "at": timezone.now(),
        "actor_type": "system",
        "verb": "x",
        "prev_hash": "0",
        "hash": "1",
    }
    AuditEvent.objects.create(seq=1, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.create(seq=1, **fields)


def test_terminal_states__never_include_in_flight_ones():
    in_flight = {"pending", "approved", "executing", "unknown"}
    assert not in_flight & set(ApprovalRequest.TERMINAL)
