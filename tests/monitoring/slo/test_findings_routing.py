"""Every finding reaches a person: each integration's open findings keep one incident of
cause FINDING, routed through the ordinary channels by severity (critical: a page at the
integration's business weight; warning: a SEV4 ticket), resolved when none is left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from monitoring.models import Channel, Finding, Incident, Notification
from monitoring.services.findings import finding_raise, finding_resolve, findings_sync
from monitoring.slo.signals import tools
from tests.monitoring.conftest import make_integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def mcp(db):
    """An MCP server of high business weight (2): its pages are SEV2."""
    server = make_integration("mcp-github", weight=2)
    Integration.objects.filter(pk=server.pk).update(kind=Integration.Kind.MCP)
    server.refresh_from_db()
    return server


@pytest.fixture
def routes(db):
    """SEV1 only, SEV1–2 (the pager), everything (tickets), and the report-only channel."""
    return {
        "sev1": Channel.objects.create(name="sev1", kind="email", recipients="a@x", max_severity=1),
        "pager": Channel.objects.create(
            name="pager", kind="email", recipients="b@x", max_severity=2
        ),
        "tickets": Channel.objects.create(
            name="tickets", kind="email", recipients="c@x", max_severity=4
        ),
        "report": Channel.objects.create(
            name="sla-report", kind="email", recipients="d@x", max_severity=0, receives_reports=True
        ),
    }


def drift(mcp, monkeypatch, *, now):
    """The server's tool list as the baseline, then with `create_issue`'s input schema
    changed: a critical tool-drift finding."""
    before = {"create_issue": {"name": "create_issue", "inputSchema": {"required": ["title"]}}}
    after = {"create_issue": {"name": "create_issue", "inputSchema": {"required": ["repo"]}}}
    answers = iter([("fp-1", before), ("fp-2", after)])
    fingerprints = iter(["fp-1", "fp-2"])
    monkeypatch.setattr(tools, "fetch_tools", lambda integration: next(answers))
    monkeypatch.setattr(tools, "latest_fingerprint", lambda integration: next(fingerprints))
    assert tools.tool_drift_check(mcp, now) is None  # the baseline
    return tools.tool_drift_check(mcp, now + timedelta(minutes=5))


def sent_to(event: str) -> set[str]:
    return set(Notification.objects.filter(event=event).values_list("channel__name", flat=True))


def test_critical_tool_drift__pages_the_channels_for_its_severity(mcp, routes, monkeypatch):
    # Given a critical MCP tool drift finding
    now = timezone.now()
    finding = drift(mcp, monkeypatch, now=now)
    assert (finding.kind, finding.severity) == ("tool_drift", "critical")
    # When the findings are synced
    assert findings_sync(now=now) == {"mcp-github": "opened"}
    # Then one FINDING incident at the server's weight (SEV2) pages SEV2 routes only
    incident = Incident.objects.get(cause="finding")
    assert (incident.integration, incident.severity) == (mcp, 2)
    assert incident.title == "Mcp-Github: 1 finding (1 critical)"
    assert "[CRITICAL] MCP tool drift: Mcp-Github: MCP tools changed (1 changed)" in (
        incident.summary
    )
    assert incident.escalation_policy["signal"]["members"] == [f"tool_drift:{finding.key}"]
    assert sent_to("opened") == {"pager", "tickets"}


def test_warning__a_ticket_to_the_ticket_routes_only(mcp, routes):
    now = timezone.now()
    finding_raise(kind="quota", key="mcp:calls", title="calls quota low", integration=mcp, now=now)

    assert findings_sync(now=now) == {"mcp-github": "opened"}

    incident = Incident.objects.get(cause="finding")
    assert incident.severity == 4 and incident.title == "Mcp-Github: 1 finding"
    assert incident.escalation_policy["alert"] == "ticket"
    assert sent_to("opened") == {"tickets"}


def test_sync__nothing_changed__nobody_told_twice(mcp, routes):
    now = timezone.now()
    finding_raise(kind="quota", key="k", title="low", integration=mcp, severity="critical")
    findings_sync(now=now)

    assert findings_sync(now=now + timedelta(minutes=5)) == {}
    assert Notification.objects.count() == 2


def test_info_only__no_incident(mcp, routes):
    finding_raise(kind="deprecation", key="d", title="fyi", integration=mcp, severity="info")

    assert findings_sync() == {}
    assert not Incident.objects.exists()


def test_resolved_by_a_person__last_one__resolved_to_the_same_channels(
    mcp, routes, monkeypatch, operator
):
    # Given a paged drift finding and a warning on the same server
    now = timezone.now()
    finding = drift(mcp, monkeypatch, now=now)
    other = finding_raise(kind="quota", key="q", title="low", integration=mcp, now=now)
    findings_sync(now=now)
    incident = Incident.objects.get(cause="finding")
    assert incident.title == "Mcp-Github: 2 findings (1 critical)"
    # When a person resolves the drift, the incident stays open for the warning
    finding_resolve(finding_id=finding.pk, user=operator, note="callers updated")
    incident.refresh_from_db()
    assert incident.status == "open"
    # And when they resolve the last one, the incident resolves
    finding_resolve(finding_id=other.pk, user=operator, note="quota raised")
    incident.refresh_from_db()
    assert incident.status == "resolved"
    # Then "resolved" goes exactly where the page went
    assert sent_to("resolved") == sent_to("opened") == {"pager", "tickets"}


def test_settled_by_its_signal__incident_resolves_on_the_next_sync(mcp, routes):
    now = timezone.now()
    finding_raise(kind="quota", key="q", title="low", integration=mcp, severity="critical")
    findings_sync(now=now)
    Finding.objects.update(status="resolved", resolved_at=now)  # findings_settle's update

    assert findings_sync(now=now + timedelta(minutes=5)) == {"mcp-github": "resolved"}
    assert sent_to("resolved") == {"pager", "tickets"}


def test_unowned_webhook_finding__adopted_by_its_source_or_the_shop(db, routes):
    # Given a quiet gold-replies topic (no integration is named after the source) and a
    # quiet topic of a source nobody owns
    shop = make_integration("shop", weight=1)
    chatwoot = make_integration("chatwoot", weight=2)
    Integration.objects.filter(pk=shop.pk).update(kind="shopify")
    Integration.objects.filter(pk=chatwoot.pk).update(kind="chatwoot")
    gold = finding_raise(
        kind="webhook_quiet",
        key="gold_replies:reply",
        title="quiet",
        data={"source": "gold_replies"},
    )
    other = finding_raise(kind="webhook_quiet", key="x:y", title="quiet", data={"source": "x"})
    # When the findings are synced
    assert findings_sync() == {"chatwoot": "opened", "shop": "opened"}
    # Then each belongs to an integration and has its ticket
    gold.refresh_from_db()
    other.refresh_from_db()
    assert (gold.integration, other.integration) == (chatwoot, shop)
    assert Incident.objects.filter(cause="finding").count() == 2


def test_notified_fields__left_alone(mcp, routes):
    finding = finding_raise(kind="quota", key="q", title="low", integration=mcp)
    findings_sync()
    finding.refresh_from_db()
    assert finding.notified_at is None and finding.notified_severity == ""
