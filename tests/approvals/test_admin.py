"""The operator console: the inbox, deciding with a comment, flags, the audit trail."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from approvals.audit import Actor, audit_record
from approvals.models import ApprovalRequest, AuditEvent, FeatureFlag
from approvals.services import approval_request_create
from hotdash.adminkit import ReadOnlyAdmin
from tests.approvals.conftest import REPLY

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def change_url(request) -> str:
    return reverse("admin:approvals_approvalrequest_change", args=[request.pk])


def decide_url(request) -> str:
    return reverse("admin:approvals_approvalrequest_decide", args=[request.pk])


def test_inbox__pending_first_with_the_payload_readable(operator, approver):
    done = approval_request_create(action="test.send", params=REPLY, requested_by=operator)
    ApprovalRequest.objects.filter(pk=done.pk).update(status="succeeded")
    waiting = approval_request_create(
        action="test.send", params={**REPLY, "text": "Hi!"}, requested_by=operator
    )
    page = logged_in(approver).get(reverse("admin:approvals_approvalrequest_changelist"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(f">{waiting.pk}<") < html.index(f">{done.pk}<")
    assert "conversation: #42; reply: Hi!" in html


def test_request_page__approver__sees_the_payload_and_the_buttons(pending, approver):
    html = logged_in(approver).get(change_url(pending)).content.decode()
    assert "Your order ships today." in html
    assert 'value="approve"' in html and 'value="reject"' in html


def test_request_page__requester__sees_no_approve_button(approver):
    mine = approval_request_create(action="test.send", params=REPLY, requested_by=approver)
    html = logged_in(approver).get(change_url(mine)).content.decode()
    assert 'value="approve"' not in html and "your own request" in html
    assert 'value="cancel"' in html


def test_decide__approve_with_a_comment__goes_through_the_service(pending, approver):
    response = logged_in(approver).post(
        decide_url(pending),
        {
            "verdict": "approve",
            "comment": "checked the order",
            "payload_hash": pending.payload_hash,
        },
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved"
    assert pending.decisions.get().comment == "checked the order"


def test_decide__own_request_posted_anyway__is_refused_by_the_server(approver):
    mine = approval_request_create(action="test.send", params=REPLY, requested_by=approver)
    response = logged_in(approver).post(decide_url(mine), {"verdict": "approve"}, follow=True)
    assert "Nobody decides on their own request" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == "pending"


def test_decide__without_csrf_token__is_forbidden(pending, approver):
    client = Client(enforce_csrf_checks=True)
    client.force_login(approver)
    assert client.post(decide_url(pending), {"verdict": "approve"}).status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_decide__get__is_not_allowed(pending, approver):
    assert logged_in(approver).get(decide_url(pending)).status_code == 405


def test_flags__kill_switch_set_in_one_click_with_reason(operator):
    flag = FeatureFlag.objects.create(key="kill.global", kind="kill_switch")
    url = reverse("admin:approvals_featureflag_act", args=[flag.pk])
    logged_in(operator).post(url, {"op": "kill", "reason": "vendor outage"})
    flag.refresh_from_db()
    assert flag.enabled
    assert AuditEvent.objects.get(verb="flag.kill_switch_set").reason == "vendor outage"


def test_flags__clearing_from_the_console__creates_an_approval_request(operator):
    flag = FeatureFlag.objects.create(key="kill.global", kind="kill_switch", enabled=True)
    url = reverse("admin:approvals_featureflag_act", args=[flag.pk])
    logged_in(operator).post(url, {"op": "clear", "reason": "outage over"})
    flag.refresh_from_db()
    assert flag.enabled
    assert ApprovalRequest.objects.get().action == "flags.clear_kill_switch"


def test_flags__kill_switch_form__sets_a_new_scoped_switch(operator):
    url = reverse("admin:approvals_featureflag_kill")
    assert logged_in(operator).get(url).status_code == 200
    logged_in(operator).post(url, {"scope": "integration", "target": "publer", "reason": "spam"})
    assert FeatureFlag.objects.get(key="kill.integration.publer").enabled


def test_flags__metadata_edit__is_audited_with_before_and_after(superuser):
    flag = FeatureFlag.objects.create(key="tiles.new", kind="release", owner="ann")
    url = reverse("admin:approvals_featureflag_change", args=[flag.pk])
    response = logged_in(superuser).post(
        url, {"description": "new tiles", "owner": "bea", "expected_lifetime_days": ""}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="admin.change")
    assert event.changes["fields"]["owner"] == {"before": "ann", "after": "bea"}
    assert AuditEvent.objects.filter(verb="admin.change").count() == 1  # not twice


def test_flags__state_is_not_editable_in_the_form(superuser):
    flag = FeatureFlag.objects.create(key="kill.global", kind="kill_switch", enabled=True)
    url = reverse("admin:approvals_featureflag_change", args=[flag.pk])
    logged_in(superuser).post(url, {"enabled": "", "owner": "x", "description": ""})
    flag.refresh_from_db()
    assert flag.enabled


def test_other_apps_admin_log__is_recorded_on_the_trail(superuser):
    LogEntry.objects.log_actions(
        user_id=superuser.pk,
        queryset=[superuser],
        action_flag=CHANGE,
        change_message=[{"changed": {"fields": ["Email address"]}}],
        single_object=True,
    )
    event = AuditEvent.objects.get(verb="admin.change")
    assert (event.target_type, event.actor_name) == ("auth.User", "root")
    assert "Email address" in event.changes["message"]
    assert ContentType.objects.exists()


def test_audit_admin__is_read_only_and_verifies_the_chain(superuser):
    audit_record(actor=Actor.system("t"), verb="a.b")
    client = logged_in(superuser)
    event = AuditEvent.objects.get(verb="a.b")  # logging in may be audited too
    page = client.get(reverse("admin:approvals_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(reverse("admin:approvals_auditevent_delete", args=[event.pk])).status_code
        == 403
    )
    response = client.post(reverse("admin:approvals_auditevent_verify"), follow=True)
    assert "Chain intact" in response.content.decode()


def test_read_only_admins__all_share_the_base_class(rf, superuser):
    # Given every model admin of the console, asked as a superuser (who may do anything
    # an admin allows)
    request = rf.get("/")
    request.user = superuser
    # Then each one that refuses adding, editing and deleting is a ReadOnlyAdmin, not a copy
    copies = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not model_admin.has_add_permission(request)
        and not model_admin.has_change_permission(request)
        and not model_admin.has_delete_permission(request)
        and not isinstance(model_admin, ReadOnlyAdmin)
    ]
    assert copies == []
