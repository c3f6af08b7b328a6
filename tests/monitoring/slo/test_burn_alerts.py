"""Burn-rate alerts through the incident and alert machinery: a page follows the
escalation policy, a ticket notifies once, an outage's own incident is not paged twice,
and the incident resolves when the burn drops under every threshold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitoring.models import Incident, IncidentEvent, Notification
from monitoring.services.burn_alerts import burn_alerts_evaluate
from monitoring.services.incidents import incident_open
from tests.monitoring.conftest import make_integration
from tests.monitoring.slo.conftest import checks, rollups

pytestmark = pytest.mark.django_db
BURN = Incident.Cause.BURN_RATE


@pytest.fixture
def shop(db):
    return make_integration("shop", weight=1, slo_availability="99.500")


def healthy_history(integration, now):
    rollups(integration, now - timedelta(days=3), now - timedelta(hours=1), count=60)
    checks(integration, now - timedelta(hours=6), now - timedelta(minutes=10))


def burn_incident(integration):
    return Incident.objects.filter(integration=integration, cause=BURN).first()


def test_outage_burning_fast__pages_with_the_business_severity(shop, mail_channel, now):
    healthy_history(shop, now)
    checks(shop, now - timedelta(minutes=10), now, fail=True)

    assert burn_alerts_evaluate(now=now) == {"opened": 1}

    incident = burn_incident(shop)
    assert incident.status == "open" and incident.severity == 1
    assert incident.escalation_policy["alert"] == "page"
    assert incident.next_notification_at is not None  # escalates like an outage
    assert "1h" in incident.summary and "14.4" in incident.summary
    note = Notification.objects.get(incident=incident)
    assert note.event == "opened" and note.status == "queued"


def two_percent_failing_for_a_day(integration, now):
    rollups(integration, now - timedelta(days=3), now - timedelta(days=1), count=100)
    rollups(integration, now - timedelta(days=1), now + timedelta(hours=1), count=100, failures=2)
    for minute in range(0, 360, 50):  # one failure in every 50 raw probes
        end = now - timedelta(minutes=minute)
        checks(integration, end - timedelta(minutes=50), end - timedelta(minutes=1))
        checks(integration, end - timedelta(minutes=1), end, fail=True)


def test_steady_error_rate__a_ticket_notified_once_never_escalated(shop, mail_channel, now):
    """2 % of probes failing for a day: 4× burn, over the 1 d / 2 h ticket rule only."""
    two_percent_failing_for_a_day(shop, now)

    burn_alerts_evaluate(now=now)

    incident = burn_incident(shop)
    assert incident.escalation_policy["alert"] == "ticket"
    assert incident.severity == 4 and incident.next_notification_at is None
    assert Notification.objects.filter(incident=incident).count() == 1


def test_ticket_then_outage__upgraded_to_a_page(shop, mail_channel, now):
    two_percent_failing_for_a_day(shop, now - timedelta(minutes=10))
    burn_alerts_evaluate(now=now - timedelta(minutes=10))
    assert burn_incident(shop).escalation_policy["alert"] == "ticket"

    checks(shop, now - timedelta(minutes=10), now, fail=True)
    assert burn_alerts_evaluate(now=now) == {"upgraded": 1}

    incident = burn_incident(shop)
    assert incident.severity == 1 and incident.escalation_policy["alert"] == "page"
    assert list(Notification.objects.filter(incident=incident).values_list("event", flat=True)) == [
        "paged",
        "opened",
    ]


def test_evaluating_again__changes_nothing(shop, mail_channel, now):
    healthy_history(shop, now)
    checks(shop, now - timedelta(minutes=10), now, fail=True)
    burn_alerts_evaluate(now=now)
    events = IncidentEvent.objects.count()

    assert burn_alerts_evaluate(now=now) == {}
    assert IncidentEvent.objects.count() == events


def test_burn_drops_under_every_threshold__resolved_and_announced(shop, mail_channel, now):
    healthy_history(shop, now)
    checks(shop, now - timedelta(minutes=10), now, fail=True)
    burn_alerts_evaluate(now=now)

    later = now + timedelta(hours=7)
    checks(shop, now, later)
    rollups(shop, now - timedelta(hours=1), later, count=60)  # the outage hour rolled up clean
    assert burn_alerts_evaluate(now=later) == {"resolved": 1}

    incident = burn_incident(shop)
    assert incident.status == "resolved"
    assert "back under every threshold" in incident.events.last().message
    assert Notification.objects.filter(incident=incident, event="resolved").exists()


def test_outage_has_its_own_incident__burn_joins_its_timeline_once(shop, mail_channel, now):
    outage, _ = incident_open(integration=shop, reason="3 consecutive failures")
    healthy_history(shop, now)
    checks(shop, now - timedelta(minutes=10), now, fail=True)

    assert burn_alerts_evaluate(now=now) == {"joined": 1}
    assert burn_alerts_evaluate(now=now + timedelta(minutes=1)) == {"joined": 1}

    assert burn_incident(shop) is None
    assert not Notification.objects.exists()
    joined = outage.events.filter(kind="note", data__joined="burn_rate")
    assert joined.count() == 1
    assert "error budget burning" in joined.get().message


def test_rarely_probed_service__one_failure__no_incident(shop, now):
    checks(shop, now - timedelta(hours=6), now - timedelta(minutes=2), every_s=600)
    checks(shop, now - timedelta(minutes=1), now, every_s=600, fail=True)

    assert burn_alerts_evaluate(now=now) == {}
    assert burn_incident(shop) is None
