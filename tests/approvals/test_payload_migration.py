"""Migration 0005 re-signs the unfinished requests' payload hashes with the keyed HMAC."""

from __future__ import annotations

import hashlib
import importlib

import pytest
from django.apps import apps

from approvals.audit.chain import canonical_json
from approvals.models import ApprovalDecision, ApprovalRequest
from approvals.payload import payload_intact
from approvals.services import approval_request_approve, approval_request_create
from tests.approvals.conftest import REPLY

pytestmark = pytest.mark.django_db

rehash = importlib.import_module("approvals.migrations.0005_payload_hash_keyed").rehash


def unkeyed(request: ApprovalRequest) -> str:
    payload = {
        "action": request.action,
        "target": request.target,
        "params": request.params,
        "precondition": request.precondition,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def as_before(request: ApprovalRequest, **fields) -> str:
    """Give the request (and its decisions) the hash it had before 0005."""
    ApprovalRequest.objects.filter(pk=request.pk).update(**fields)
    request.refresh_from_db()
    old = unkeyed(request)
    ApprovalRequest.objects.filter(pk=request.pk).update(payload_hash=old)
    ApprovalDecision.objects.filter(request=request).update(payload_hash=old)
    request.refresh_from_db()
    return old


def test_rehash__unfinished_request_with_its_decisions__is_re_signed(operator, approver):
    # Given a request that needs two approvals, one given, hashed the old way
    request = approval_request_create(action="test.send2", params=REPLY, requested_by=operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    as_before(request)
    assert not payload_intact(request)
    # When the migration runs
    rehash(apps, None)
    # Then the request verifies again and the decision still counts for it
    request.refresh_from_db()
    assert payload_intact(request)
    assert request.decisions.get().payload_hash == request.payload_hash


def test_rehash__request_edited_before_the_migration__is_left_refused(operator):
    request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    old = as_before(request)
    ApprovalRequest.objects.filter(pk=request.pk).update(params={**REPLY, "text": "edited"})
    rehash(apps, None)
    request.refresh_from_db()
    assert request.payload_hash == old and not payload_intact(request)


def test_rehash__finished_request__keeps_its_hash(operator):
    request = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    old = as_before(request, status="cancelled")
    rehash(apps, None)
    request.refresh_from_db()
    assert request.payload_hash == old
