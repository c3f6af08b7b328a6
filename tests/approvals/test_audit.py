"""The audit trail: chained, masked, verified; who and which request are recorded."""

from __future__ import annotations

import hashlib
import hmac
import io

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from approvals.audit import Actor, audit_checkpoint_write, audit_record, audit_verify
from approvals.audit.chain import BODY_FIELDS, GENESIS_HASH, canonical_json, iso_utc
from approvals.models import AuditCheckpoint, AuditEvent
from tests.approvals.conftest import tampering

pytestmark = pytest.mark.django_db


def record(n: int = 1, **extra) -> list[AuditEvent]:
    return [
        audit_record(actor=Actor.system("test"), verb="thing.done", target=f"x.Thing:{i}", **extra)
        for i in range(n)
    ]


def test_record__events__chain_by_sequence_and_a_keyed_hash():
    first, second = record(2)
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    # The body digest is an HMAC under a key derived from SECRET_KEY (Django's salted_hmac).
    key = hashlib.sha256(("hotdash.approvals.audit.event" + settings.SECRET_KEY).encode()).digest()
    for event in (first, second):
        event.refresh_from_db()
        body = canonical_json({name: getattr(event, name) for name in BODY_FIELDS})
        digest = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
        link = f"{event.prev_hash}|{event.seq}|{iso_utc(event.at)}|{digest}"
        assert event.hash == hashlib.sha256(link.encode()).hexdigest()


def test_record__canonical_form__sorted_keys_and_utc_iso_times():
    (event,) = record()
    text = canonical_json({name: getattr(event, name) for name in BODY_FIELDS})
    assert text.index('"actor_id"') < text.index('"verb"') and ", " not in text
    assert iso_utc(event.at).endswith("Z") and len(iso_utc(event.at)) == 27


def test_record__secrets_in_changes__are_masked_at_any_depth():
    (event,) = record(
        changes={
            "api_key": "sk-live-1",
            "nested": {"Authorization": "Bearer abc", "password": "pw", "name": "shop"},
            "rows": [{"access_token": "t"}],
            "key": "k",
            "idempotency_key": "hotdash-1",
        }
    )
    event.refresh_from_db()
    assert event.changes == {
        "api_key": "***",
        "nested": {"Authorization": "***", "password": "***", "name": "shop"},
        "rows": [{"access_token": "***"}],
        "key": "***",
        "idempotency_key": "hotdash-1",
    }
    assert "sk-live-1" not in str(event.changes)


def test_record__a_user__is_snapshotted_and_survives_deletion(approver):
    event = audit_record(actor=approver, verb="x.y")
    approver.delete()
    event.refresh_from_db()
    assert (event.actor_type, event.actor_name) == ("user", "ada")
    assert event.actor_snapshot["groups"] == ["approvers", "operators"]
    assert audit_verify().ok


def test_record__model_target__names_its_label_and_pk(operator):
    event = audit_record(actor=None, verb="user.touched", target=operator)
    assert (event.target_type, event.target_id, event.target_repr) == (
        "auth.User",
        str(operator.pk),
        "otto",
    )
    assert event.actor_type == "system"


def test_record__with_a_request__takes_its_request_id_ip_and_user(operator):
    request = RequestFactory().post("/x", REMOTE_ADDR="2001:0db8:0000::0001")
    request.user, request.request_id = operator, "req-12345678"
    event = audit_record(actor=None, verb="x.y", request=request)
    assert (event.request_id, event.ip, event.actor_name) == ("req-12345678", "2001:db8::1", "otto")
    event.refresh_from_db()
    assert audit_verify().ok


def test_middleware__request_id__is_echoed_and_reaches_the_audit_event(client, operator, api):
    response = api(operator).post(
        "/api/v1/flags/kill-switches/",
        {"scope": "global", "reason": "test"},
        format="json",
        HTTP_X_REQUEST_ID="edge-abcdef12",
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "edge-abcdef12"
    event = AuditEvent.objects.get(verb="flag.kill_switch_set")
    assert (event.request_id, event.ip, event.actor_name) == ("edge-abcdef12", "127.0.0.1", "otto")


def test_middleware__malformed_request_id__is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")
    assert len(response["X-Request-ID"]) == 32


# -- verification -----------------------------------------------------------------------


def test_verify__intact_chain__is_ok():
    record(5)
    report = audit_verify()
    assert (report.ok, report.checked, report.head_seq) == (True, 5, 5)


def test_verify__an_edited_row__is_reported_at_that_row():
    record(5)
    with tampering():
        AuditEvent.objects.filter(seq=3).update(reason="nothing to see")  # SQLite: no trigger
    report = audit_verify()
    assert not report.ok
    assert (report.first_break.seq, report.first_break.kind) == (3, "edited")


def test_verify__a_deleted_row__is_reported_as_a_gap():
    record(5)
    with tampering():
        AuditEvent.objects.filter(seq=2).delete()
    report = audit_verify()
    assert (report.first_break.seq, report.first_break.kind) == (2, "deleted")


def test_verify__a_rehashed_row__breaks_the_next_link():
    events = record(4)
    forged = events[1]
    forged.reason = "rewritten"
    from approvals.audit.chain import event_hash

    with tampering():
        AuditEvent.objects.filter(seq=2).update(reason="rewritten", hash=event_hash(forged))
    report = audit_verify()
    assert (report.first_break.seq, report.first_break.kind) == (3, "broken_link")


def test_verify__truncated_tail__is_detected_against_the_checkpoint():
    record(5)
    assert audit_checkpoint_write().seq == 5
    with tampering():
        AuditEvent.objects.filter(seq__gte=4).delete()
    report = audit_verify()
    assert (report.first_break.kind, report.first_break.seq, report.checkpoint_seq) == (
        "truncated",
        4,
        5,
    )


def test_verify__whole_chain_rewritten__is_detected_against_the_checkpoint():
    record(3)
    audit_checkpoint_write()
    with tampering():
        AuditEvent.objects.all().delete()
    record(3)  # a consistent but different chain
    report = audit_verify()
    assert (report.first_break.kind, report.first_break.seq) == ("rewritten", 3)


def test_checkpoint__head_already_noted__writes_nothing():
    record(2)
    audit_checkpoint_write()
    assert audit_checkpoint_write() is None
    assert AuditCheckpoint.objects.count() == 1


def test_command__intact__exits_zero():
    record(3)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact: 3 events" in out.getvalue()


def test_command__broken__exits_one_naming_the_row():
    record(3)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(verb="forged")
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify")
    assert caught.value.returncode == 1 and "#2 (edited)" in str(caught.value)


def test_user__deleted__keeps_history_and_blocks_nothing(operator):
    audit_record(actor=operator, verb="a.b")
    get_user_model().objects.filter(pk=operator.pk).delete()
    assert AuditEvent.objects.filter(actor_name="otto").count() == 1
