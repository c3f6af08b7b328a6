"""Sandbox control: faults through the control API, the sandbox's refusals shown, audited,
and no page at all in a live-only deployment."""

from __future__ import annotations

import sys

import pytest
from django.urls import reverse

from approvals.models import AuditEvent

pytestmark = pytest.mark.django_db

APPLY = {
    "latency_ms": "250",
    "error_rate": "0.5",
    "outage_mode": "reset",
    "outage": "on",
    "throttle": "on",
}


@pytest.fixture
def console(client, operator, sandbox, settings, roles):
    settings.SANDBOX_URL = sandbox.url
    client.force_login(operator)
    return client


def apply(client, **data):
    return client.post(reverse("admin:console_sandbox_apply"), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_apply__sets_the_vendors_faults_and_audits_them(console, sandbox):
    response = apply(console, vendor="ga4", op="apply", **APPLY)
    faults = sandbox.faults("ga4")
    assert faults["latency_ms"] == 250 and faults["error_rate"] == 0.5
    assert faults["outage"] and faults["throttle"] and faults["outage_mode"] == "reset"
    assert not faults["malformed"] and not faults["wrong_auth"]
    assert any("ga4: outage, throttle" in text for text in messages_of(response))
    event = AuditEvent.objects.get(verb="sandbox.apply")
    assert event.target_id == "ga4" and event.changes["faults"]["outage"] is True


def test_apply__an_unchecked_box_switches_the_fault_off(console, sandbox):
    sandbox.set_faults("slack", outage=True)
    apply(console, vendor="slack", op="apply", latency_ms="0", error_rate="0")
    assert sandbox.faults("slack")["outage"] is False


def test_apply__shows_the_sandboxs_validation_error_and_changes_nothing(console, sandbox):
    response = apply(console, vendor="shopify", op="apply", latency_ms="999999", error_rate="0")
    assert sandbox.faults("shopify")["latency_ms"] == 0
    [text] = messages_of(response)
    assert text.startswith("The sandbox refused: shopify · latency_ms:")
    assert not AuditEvent.objects.filter(verb__startswith="sandbox.").exists()


def test_apply__a_non_number_reaches_the_sandboxs_validation(console, sandbox):
    response = apply(console, vendor="shopify", op="apply", latency_ms="fast", error_rate="0")
    assert any("latency_ms" in text for text in messages_of(response))


def test_apply__an_unknown_vendor_is_refused_clearly(console):
    response = apply(console, vendor="nope", op="apply", latency_ms="0", error_rate="0")
    assert any("unknown vendor" in text for text in messages_of(response))


def test_clear_and_reset__mend_the_sandbox(console, sandbox):
    sandbox.set_faults("publer", outage=True)
    sandbox.set_faults("ga4", throttle=True)
    apply(console, vendor="publer", op="clear")
    assert sandbox.faults("publer")["outage"] is False and sandbox.faults("ga4")["throttle"]
    apply(console, op="reset")
    assert sandbox.faults("ga4")["throttle"] is False
    verbs = list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))
    assert verbs == ["sandbox.clear", "sandbox.reset"]


def test_page__shows_active_faults_and_who_uses_each_vendor(console, sandbox):
    sandbox.set_faults("chatwoot", outage=True, latency_ms=300)
    page = console.get(reverse("admin:console_sandbox")).content.decode()
    assert "FAULTS: outage, +300 ms" in page
    assert "mcp/github" in page


def test_page__says_so_when_the_sandbox_does_not_answer(client, operator, settings, roles):
    settings.SANDBOX_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    client.force_login(operator)
    page = client.get(reverse("admin:console_sandbox")).content.decode()
    assert "did not answer" in page and 'value="apply"' not in page


def test_live_only_deployment__has_no_sandbox_page_and_no_link(console, settings):
    settings.SANDBOX_CONSOLE_ENABLED = False
    assert console.get(reverse("admin:console_sandbox")).status_code == 404
    response = console.post(reverse("admin:console_sandbox_apply"), {"op": "reset"})
    assert response.status_code == 404
    assert "Sandbox control" not in console.get(reverse("admin:index")).content.decode()


def test_deployment_without_the_sandbox_package__has_no_sandbox_page(console, monkeypatch):
    for name in [n for n in sys.modules if n == "sandbox" or n.startswith("sandbox.")]:
        monkeypatch.setitem(sys.modules, name, None)  # as if the package were left out
    assert console.get(reverse("admin:console_sandbox")).status_code == 404
    assert console.post(reverse("admin:console_sandbox_apply"), {"op": "reset"}).status_code == 404
