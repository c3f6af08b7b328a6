"""Each console button goes through its service: what was stored, what was audited, who may."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.models import ApprovalRequest, AuditEvent
from integrations.models import IntegrationState
from monitoring.models import CheckResult, Incident, MaintenanceWindow

pytestmark = pytest.mark.django_db


def post(client, name: str, *args, **data):
    return client.post(reverse(f"admin:{name}", args=args), data)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_probe_now__stores_a_check_and_audits_it(world, client, operator):
    client.force_login(operator)
    before = CheckResult.objects.filter(integration__slug="shopify").count()
    response = post(client, "console_integration_probe", "shopify")
    assert response.status_code == 302
    assert CheckResult.objects.filter(integration__slug="shopify").count() == before + 1
    event = AuditEvent.objects.filter(verb="integration.probe").get()
    assert event.actor_name == "otto" and event.changes == {"result": "ok"}


def test_probe_now__says_what_the_probe_found(world, client, operator):
    client.force_login(operator)
    response = client.post(reverse("admin:console_integration_probe", args=["publer"]), follow=True)
    assert any("Probed publer: fail" in text for text in messages_of(response))


def test_pause__goes_through_the_maintenance_service_and_says_until_when(world, client, operator):
    # The service's own behaviour: tests/monitoring/test_maintenance_pause.py
    client.force_login(operator)
    url = reverse("admin:console_integration_pause", args=["shopify"])
    response = client.post(url, {"minutes": "45", "reason": "vendor upgrade"}, follow=True)
    window = MaintenanceWindow.objects.get()
    assert list(window.integrations.values_list("slug", flat=True)) == ["shopify"]
    assert window.created_by == operator and window.reason == "vendor upgrade"
    assert IntegrationState.objects.get(integration__slug="shopify").status == "maintenance"
    assert AuditEvent.objects.filter(verb="maintenance.pause").count() == 1
    assert any(
        f"shopify is paused until {window.ends_at:%H:%M} UTC." in m for m in messages_of(response)
    )


@pytest.mark.parametrize(
    ("minutes", "reason"), [("0", "x"), ("9999", "x"), ("abc", "x"), ("5", " ")]
)
def test_pause__refuses_bad_input_with_a_message(world, client, operator, minutes, reason):
    client.force_login(operator)
    url = reverse("admin:console_integration_pause", args=["shopify"])
    response = client.post(url, {"minutes": minutes, "reason": reason}, follow=True)
    assert MaintenanceWindow.objects.count() == 0
    assert messages_of(response)


def test_request_live__creates_an_approval_request(world, client, operator, monkeypatch):
    monkeypatch.setenv("SHOPIFY_ADMIN_TOKEN", "set-for-the-test")
    client.force_login(operator)
    post(client, "console_integration_request_live", "shopify", reason="credentials verified")
    request = ApprovalRequest.objects.get(action="integrations.switch_live")
    assert request.params == {"slug": "shopify"} and request.status == "pending"
    assert request.requested_by == operator and request.reason == "credentials verified"
    assert AuditEvent.objects.filter(verb="approval.requested", actor_name="otto").exists()


def test_request_live__without_credentials_explains_why(world, client, operator, monkeypatch):
    monkeypatch.delenv("SHOPIFY_ADMIN_TOKEN", raising=False)
    client.force_login(operator)
    url = reverse("admin:console_integration_request_live", args=["shopify"])
    response = client.post(url, {"reason": "go"}, follow=True)
    assert not ApprovalRequest.objects.filter(action="integrations.switch_live").exists()
    assert any("SHOPIFY_ADMIN_TOKEN" in text for text in messages_of(response))


def test_acknowledge_then_hand_back_then_resolve__each_on_timeline_and_audit(
    world, client, operator
):
    incident = world["incident"]
    client.force_login(operator)
    for op in ("acknowledge", "unacknowledge", "resolve"):
        post(client, "console_incident_act", incident.pk, op=op, note=f"{op} note")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED and incident.resolved_by == operator
    kinds = list(incident.events.filter(actor=operator).values_list("kind", "message"))
    assert kinds == [
        ("acknowledged", "acknowledge note"),
        ("unacknowledged", "unacknowledge note"),
        ("resolved", "resolve note"),
    ]
    verbs = set(AuditEvent.objects.filter(actor_name="otto").values_list("verb", flat=True))
    assert {"incident.acknowledge", "incident.unacknowledge", "incident.resolve"} <= verbs


def test_acting_on_a_resolved_incident__shows_the_conflict(world, client, operator):
    incident = world["incident"]
    client.force_login(operator)
    post(client, "console_incident_act", incident.pk, op="resolve")
    url = reverse("admin:console_incident_act", args=[incident.pk])
    response = client.post(url, {"op": "acknowledge"}, follow=True)
    assert any("already resolved" in t and "incident_resolved" in t for t in messages_of(response))


CONTROLS = [
    ("console_integration_probe", ["shopify"], {}),
    ("console_integration_pause", ["shopify"], {"minutes": "5", "reason": "x"}),
    ("console_integration_request_live", ["shopify"], {"reason": "x"}),
    ("console_sandbox_apply", [], {"op": "reset"}),
]


@pytest.mark.parametrize(("name", "args", "data"), CONTROLS)
def test_controls__refuse_a_viewer_with_403_and_change_nothing(
    world, client, viewer, name, args, data
):
    client.force_login(viewer)
    audited = AuditEvent.objects.count()
    assert client.post(reverse(f"admin:{name}", args=args), data).status_code == 403
    assert AuditEvent.objects.count() == audited
    assert MaintenanceWindow.objects.count() == 0


def test_incident_act__refuses_a_viewer_with_403(world, client, viewer):
    client.force_login(viewer)
    url = reverse("admin:console_incident_act", args=[world["incident"].pk])
    assert client.post(url, {"op": "acknowledge"}).status_code == 403
    world["incident"].refresh_from_db()
    assert world["incident"].status == Incident.Status.OPEN


@pytest.mark.parametrize(("name", "args", "data"), CONTROLS)
def test_controls__answer_get_with_405(world, client, operator, name, args, data):
    client.force_login(operator)
    assert client.get(reverse(f"admin:{name}", args=args)).status_code == 405


def test_controls__need_the_csrf_token(world, operator):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(operator)
    url = reverse("admin:console_integration_probe", args=["shopify"])
    assert strict.post(url).status_code == 403
