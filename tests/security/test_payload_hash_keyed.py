"""The approval payload hash against someone who can write the database (issue 14 item 10).

The hash was an unkeyed sha256: with write access, editing a request's payload and
recomputing the request's and the decisions' hashes got the edited payload executed. It is
now an HMAC under a key the database does not hold (APPROVALS_HASH_KEY, by default derived
from SECRET_KEY), so a recomputed hash no longer verifies.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.test import override_settings

from approvals.audit.chain import canonical_json
from approvals.models import ApprovalDecision, ApprovalRequest, FeatureFlag
from approvals.payload import payload_hash, payload_intact
from approvals.services import (
    approval_request_approve,
    approval_request_create,
    approval_request_execute,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def flags(db):
    """Two release flags, both off: the request turns the first on."""
    FeatureFlag.objects.create(key="tiles.new_layout", kind="release")
    FeatureFlag.objects.create(key="payments.beta", kind="release")


@pytest.fixture
def approved(flags, operator, approver):
    request = approval_request_create(
        action="flags.set",
        params={"key": "tiles.new_layout", "enabled": True},
        requested_by=operator,
    )
    approval_request_approve(request_id=request.pk, approver=approver)
    request.refresh_from_db()
    assert request.status == "approved"
    return request


def rewrite(request: ApprovalRequest, key: str, digest) -> None:
    """What a database writer does: point the request at another flag, with a consistent
    target and precondition, and recompute the request's and decisions' hashes."""
    other = FeatureFlag.objects.get(key=key)
    payload = {
        "action": request.action,
        "target": f"approvals.FeatureFlag:{key}",
        "params": {"key": key, "enabled": True},
        "precondition": {"enabled": False, "rollout_percent": 100, "version": other.version},
    }
    forged = digest(canonical_json(payload).encode("utf-8"))
    ApprovalRequest.objects.filter(pk=request.pk).update(
        target=payload["target"],
        params=payload["params"],
        precondition=payload["precondition"],
        payload_hash=forged,
    )
    ApprovalDecision.objects.filter(request=request).update(payload_hash=forged)


@pytest.mark.parametrize(
    "digest",
    [
        pytest.param(lambda body: hashlib.sha256(body).hexdigest(), id="the-old-unkeyed-sha256"),
        pytest.param(
            lambda body: hmac.new(b"", body, hashlib.sha256).hexdigest(), id="hmac-empty-key"
        ),
    ],
)
def test_db_writer__recomputing_the_hash__gets_no_changed_payload_executed(approved, digest):
    # Given an approved request to turn on tiles.new_layout, When a database writer turns it
    # into one for payments.beta and recomputes every hash without the key
    rewrite(approved, "payments.beta", digest)
    # Then execution refuses it, and neither flag changes
    request = approval_request_execute(request_id=approved.pk)
    assert (request.status, request.result["code"]) == ("conflict", "payload_changed")
    assert not FeatureFlag.objects.filter(enabled=True).exists()


def test_db_writer__copying_the_hash_of_the_original__does_not_verify_the_edit(approved):
    rewrite(approved, "payments.beta", lambda body: approved.payload_hash)
    request = approval_request_execute(request_id=approved.pk)
    assert (request.status, request.result["code"]) == ("conflict", "payload_changed")


def test_hash__depends_on_the_key_and_is_not_the_plain_sha256():
    payload = {"action": "a", "target": "t", "params": {"n": 1}, "precondition": {}}
    plain = hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
    with override_settings(APPROVALS_HASH_KEY="k" * 50):
        one = payload_hash(**payload)
    with override_settings(APPROVALS_HASH_KEY="j" * 50):
        other = payload_hash(**payload)
    assert len({plain, one, other}) == 3


def test_key_rotation__a_retired_key_verifies_but_no_longer_signs(approved):
    # Given a request hashed under the default key (derived from SECRET_KEY)
    from django.conf import settings

    old = settings.SECRET_KEY
    # When an explicit key takes over, the old one kept as a fallback
    with override_settings(APPROVALS_HASH_KEY="n" * 50, APPROVALS_HASH_KEY_FALLBACKS=[old]):
        # Then the request still verifies, new hashes use the new key
        assert payload_intact(approved)
        assert approved.payload_hash != payload_hash(
            action=approved.action,
            target=approved.target,
            params=approved.params,
            precondition=approved.precondition,
        )
    # And without the fallback, it no longer verifies
    with override_settings(APPROVALS_HASH_KEY="n" * 50):
        assert not payload_intact(approved)
