"""/api/v1/approvals/, /flags/, /audit/: roles, precise refusals, zero vendor calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from approvals.audit import Actor, audit_record
from approvals.models import ApprovalRequest, AuditEvent, FeatureFlag
from approvals.services import approval_request_execute
from hotdash.models import ApiToken
from tests.approvals import fakes
from tests.approvals.conftest import REPLY, tampering

pytestmark = pytest.mark.django_db

VENDOR_URL = "https://chatwoot.vendor.test/send"


@pytest.fixture
def vendor():
    """Every outbound call is recorded; none is expected unless a test registers one."""
    fakes.VENDOR["url"] = VENDOR_URL
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


def create(client, params=REPLY, action="test.send", **extra):
    return client.post(
        "/api/v1/approvals/", {"action": action, "params": params, **extra}, format="json"
    )


def test_list__viewer__reads_requests_with_readable_summary(pending, viewer, api):
    response = api(viewer).get("/api/v1/approvals/?status=pending")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id"] == pending.pk
    assert row["summary"] == [
        {"label": "conversation", "value": "#42"},
        {"label": "reply", "value": "Your order ships today."},
    ]


def test_list__anonymous__is_refused(pending):
    assert APIClient().get("/api/v1/approvals/").status_code in (401, 403)


def test_list__user_without_any_role__is_refused(api, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    response = api(nobody).get("/api/v1/approvals/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_create__operator__gets_201_and_a_pending_request(operator, api):
    response = create(api(operator), reason="customer asked")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["requested_by_name"], body["reason"]) == (
        "pending",
        "otto",
        "customer asked",
    )


def test_create__with_a_token__is_audited_as_a_token_actor(operator):
    token = ApiToken(user=operator, name="test")
    key = token.issue()
    token.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert create(client).status_code == 201
    event = AuditEvent.objects.get(verb="approval.requested")
    assert (event.actor_type, event.actor_name) == ("token", "otto")


def test_create__viewer__is_403(viewer, api):
    response = create(api(viewer))
    assert (response.status_code, response.json()["code"]) == (403, "not_operator")


def test_create__unknown_action__is_400_unknown_action(operator, api, vendor):
    response = create(api(operator), action="chatwoot.launch_rockets")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_action")
    assert len(vendor.calls) == 0


def test_create__params_failing_the_schema__is_400_with_field_errors(operator, api, vendor):
    response = create(api(operator), params={"conversation_id": "42", "text": "x" * 501})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {
        "conversation_id": ["must be of type integer"],
        "text": ["must have at most 500 characters"],
    }
    assert not ApprovalRequest.objects.exists() and len(vendor.calls) == 0


def test_create__params_not_an_object__is_400(operator, api):
    response = create(api(operator), params=["a"])
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_approve__happy_path__then_the_job_calls_the_vendor_once(pending, approver, api, vendor):
    vendor.add(responses.POST, VENDOR_URL, json={"id": 1})
    response = api(approver).post(f"/api/v1/approvals/{pending.pk}/approve/", {"comment": "fine"})
    assert (response.status_code, response.json()["status"]) == (200, "approved")
    assert len(vendor.calls) == 0  # the click does not call the vendor
    approval_request_execute(request_id=pending.pk)
    approval_request_execute(request_id=pending.pk)
    assert len(vendor.calls) == 1
    assert vendor.calls[0].request.headers["Idempotency-Key"] == pending.idempotency_key


def test_approve__own_request__is_403_own_request(approver, api, vendor):
    mine = create(api(approver)).json()
    response = api(approver).post(f"/api/v1/approvals/{mine['id']}/approve/")
    assert (response.status_code, response.json()["code"]) == (403, "own_request")
    assert len(vendor.calls) == 0


def test_approve__twice__is_409_already_decided(operator, approver, api, vendor):
    two = create(api(operator), action="test.send2").json()
    assert api(approver).post(f"/api/v1/approvals/{two['id']}/approve/").status_code == 200
    response = api(approver).post(f"/api/v1/approvals/{two['id']}/approve/")
    assert (response.status_code, response.json()["code"]) == (409, "already_decided")
    assert len(vendor.calls) == 0


def test_approve__after_expiry__is_409_expired(pending, approver, api, vendor):
    ApprovalRequest.objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = api(approver).post(f"/api/v1/approvals/{pending.pk}/approve/")
    assert (response.status_code, response.json()["code"]) == (409, "expired")
    approval_request_execute(request_id=pending.pk)
    assert len(vendor.calls) == 0


def test_approve__after_the_payload_changed__is_409_conflict(pending, approver, api, vendor):
    fakes.STATE["version"] = 2
    response = api(approver).post(f"/api/v1/approvals/{pending.pk}/approve/")
    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    assert len(vendor.calls) == 0


def test_approve__with_the_hash_seen_being_stale__is_409_conflict(pending, approver, api):
    response = api(approver).post(
        f"/api/v1/approvals/{pending.pk}/approve/", {"payload_hash": "a" * 64}
    )
    assert (response.status_code, response.json()["code"]) == (409, "conflict")


def test_approve__without_the_role__is_403(pending, operator, viewer, api, vendor):
    for user in (operator, viewer):
        response = api(user).post(f"/api/v1/approvals/{pending.pk}/approve/")
        assert (response.status_code, response.json()["code"]) == (403, "not_approver")
    assert len(vendor.calls) == 0


def test_approve__kill_switch_set_while_queued__ends_in_conflict_with_no_call(
    pending, approver, operator, api, vendor
):
    api(approver).post(f"/api/v1/approvals/{pending.pk}/approve/")
    response = api(operator).post(
        "/api/v1/flags/kill-switches/", {"scope": "action", "target": "test.send", "reason": "stop"}
    )
    assert response.status_code == 200 and response.json()["enabled"] is True
    assert approval_request_execute(request_id=pending.pk).status == "conflict"
    assert len(vendor.calls) == 0


def test_reject_and_cancel__over_the_api(operator, approver, api):
    one, two = create(api(operator)).json(), create(api(operator)).json()
    response = api(approver).post(f"/api/v1/approvals/{one['id']}/reject/", {"comment": "no"})
    assert response.json()["status"] == "rejected"
    assert (
        api(operator).post(f"/api/v1/approvals/{two['id']}/cancel/").json()["status"] == "cancelled"
    )


def test_flags__list_shows_evaluation(viewer, api):
    FeatureFlag.objects.create(key="tiles.new", kind="release", enabled=True, rollout_percent=50)
    response = api(viewer).get("/api/v1/flags/?subject=store-1")
    (flag,) = response.json()
    assert flag["key"] == "tiles.new" and flag["evaluation"]["reason"] in {
        "rollout_in",
        "rollout_out",
    }
    assert api(viewer).get("/api/v1/flags/tiles.new/").status_code == 200


def test_flags__viewer_cannot_set_a_kill_switch(viewer, api):
    response = api(viewer).post("/api/v1/flags/kill-switches/", {"scope": "global", "reason": "x"})
    assert response.status_code == 403 and not FeatureFlag.objects.exists()


def test_audit__list_newest_first_and_filter(viewer, api):
    for verb in ("a.one", "a.two", "a.one"):
        audit_record(actor=Actor.system("t"), verb=verb)
    body = api(viewer).get("/api/v1/audit/?verb=a.one").json()
    assert [row["seq"] for row in body["results"]] == [3, 1]


def test_audit__verify__ok_then_409_when_broken(operator, viewer, api):
    audit_record(actor=Actor.system("t"), verb="a.one")
    audit_record(actor=Actor.system("t"), verb="a.two")
    assert api(operator).get("/api/v1/audit/verify/").json()["ok"] is True
    with tampering():
        AuditEvent.objects.filter(seq=1).update(verb="a.forged")
    response = api(operator).get("/api/v1/audit/verify/")
    assert response.status_code == 409
    assert response.json()["first_break"] == {
        "seq": 1,
        "kind": "edited",
        "detail": "#1 was changed after it was written, or forged",
    }
    assert api(viewer).get("/api/v1/audit/verify/").status_code == 403


def test_api__operator_who_lost_roles__can_no_longer_request(operator, api):
    operator.groups.remove(Group.objects.get(name="operators"))
    assert create(api(operator)).status_code == 403


def test_resolve__unknown_outcome_over_the_api(pending, approver, other_approver, api):
    api(approver).post(f"/api/v1/approvals/{pending.pk}/approve/")
    fakes.BEHAVIOUR["mode"] = "timeout"
    approval_request_execute(request_id=pending.pk)
    url = f"/api/v1/approvals/{pending.pk}/resolve/"
    assert api(other_approver).post(url, {"performed": False}).status_code == 400
    response = api(other_approver).post(url, {"performed": False, "comment": "not in Chatwoot"})
    assert response.json()["status"] == "failed"


def test_list__unknown_filter__400_with_allowed_names(operator, api):
    response = api(operator).get("/api/v1/approvals/?colour=red")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_filter" and "status" in response.json()["allowed"]


def test_audit__tampered_cursor__400(operator, api):
    response = api(operator).get("/api/v1/audit/?cursor=bm90LWEtY3Vyc29y")
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"


def test_audit__filter_by_verb_and_time(operator, api):
    response = api(operator).get(
        "/api/v1/audit/?verb=approval.requested&since=2020-01-01T00:00:00Z"
    )
    assert response.status_code == 200
