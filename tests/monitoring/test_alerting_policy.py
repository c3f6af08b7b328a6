"""docs/alerting.md, row by row: what pages, when, and what suppresses it. Each test is named
in the table's last column (a test below checks that every named test exists)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from monitoring.engine import probe_now
from monitoring.models import (
    CheckResult,
    Incident,
    MaintenanceWindow,
    Notification,
    StateTransition,
)
from monitoring.services.burn_alerts import burn_alerts_evaluate
from monitoring.services.incidents import incident_acknowledge, incident_open
from monitoring.services.reactions import incidents_escalate, transitions_process
from tests.monitoring.conftest import make_integration, vendor_says
from tests.monitoring.slo.conftest import checks, rollups

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
BURN = Incident.Cause.BURN_RATE


def pages(integration=None, event=None):
    """(event, status) of every notification, oldest first."""
    rows = Notification.objects.order_by("pk")
    if integration is not None:
        rows = rows.filter(incident__integration=integration)
    if event is not None:
        rows = rows.filter(event=event)
    return list(rows.values_list("event", "status"))


def outage(vendor, integration, *, probes=1):
    vendor_says(vendor, integration, 503)
    for _ in range(probes):
        probe_now([integration])


def recover(vendor, integration):
    vendor_says(vendor, integration, 200)
    probe_now([integration])


# --- outages -------------------------------------------------------------------------


def test_row_outage__one_opened_then_one_resolved_to_the_same_channel(vendor, mail_channel):
    shop = make_integration("shop", failures_before_down=3)
    outage(vendor, shop, probes=4)
    recover(vendor, shop)
    assert pages(shop) == [("opened", "queued"), ("resolved", "queued")]


def test_row_blip__one_failure_then_success__never_pages(vendor, mail_channel):
    shop = make_integration("shop", failures_before_down=3)
    outage(vendor, shop)
    recover(vendor, shop)
    assert not Incident.objects.exists()
    assert pages() == []


def test_row_dependency_down__dependant_recorded_not_paged_nothing_resolved(vendor, mail_channel):
    supabase = make_integration("supabase")
    chatwoot = make_integration("chatwoot")
    chatwoot.depends_on.add(supabase)
    outage(vendor, supabase)
    outage(vendor, chatwoot)
    recover(vendor, chatwoot)
    recover(vendor, supabase)
    assert pages(supabase) == [("opened", "queued"), ("resolved", "queued")]
    assert pages(chatwoot) == [("opened", "suppressed")]
    dependant = Incident.objects.get(integration=chatwoot)
    assert dependant.caused_by == supabase and dependant.next_notification_at is None
    assert incidents_escalate(now=timezone.now() + timedelta(hours=3)) == 0


def test_row_maintenance__fault_inside_window__no_page_and_no_resolved(vendor, mail_channel):
    shop = make_integration("shop")
    window = MaintenanceWindow.objects.create(
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=1),
        owner="ops",
        reason="upgrade",
    )
    window.integrations.add(shop)
    incident, _ = incident_open(integration=shop, reason="HTTP 503")
    from monitoring.services.alerting import incident_notify

    incident_notify(incident=incident, event="opened")
    from monitoring.services.incidents import incident_resolve

    incident_notify(incident=incident_resolve(incident_id=incident.pk), event="resolved")
    assert pages(shop) == [("opened", "suppressed")]


def test_row_acknowledged__fault_goes_on__no_reminders_resolved_still_sent(
    vendor, mail_channel, operator
):
    shop = make_integration("shop")
    outage(vendor, shop)
    incident_acknowledge(incident_id=Incident.objects.get().pk, user=operator)
    outage(vendor, shop, probes=3)
    assert incidents_escalate(now=timezone.now() + timedelta(hours=2)) == 0
    recover(vendor, shop)
    assert pages(shop) == [("opened", "queued"), ("resolved", "queued")]


def test_row_flapping__back_inside_cooldown__same_incident_reopened_and_paged(vendor, mail_channel):
    shop = make_integration("shop")
    outage(vendor, shop)
    recover(vendor, shop)
    outage(vendor, shop)
    recover(vendor, shop)
    assert Incident.objects.count() == 1
    assert pages(shop) == [
        ("opened", "queued"),
        ("resolved", "queued"),
        ("reopened", "queued"),
        ("resolved", "queued"),
    ]


def test_row_downtime__first_failed_check_to_first_successful_one(mail_channel):
    """Checks at T+0 (fail), T+60 (fail), T+120 (fail: down), T+190 (fail), T+210 (ok).
    Downtime = 210 − 0 = 210 s, whatever the times the transitions were stored at."""
    shop = make_integration("shop", failures_before_down=3)
    t0 = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    for offset, status in [(-60, "ok"), (0, "fail"), (60, "fail"), (120, "fail"), (190, "fail")]:
        CheckResult.objects.create(
            integration=shop, checked_at=t0 + timedelta(seconds=offset), status=status
        )
    StateTransition.objects.create(
        integration=shop, at=t0 + timedelta(seconds=125), from_status="ok", to_status="down"
    )
    transitions_process([shop.pk])
    CheckResult.objects.create(
        integration=shop, checked_at=t0 + timedelta(seconds=210), status="ok"
    )
    StateTransition.objects.create(
        integration=shop, at=t0 + timedelta(seconds=214), from_status="down", to_status="ok"
    )
    transitions_process([shop.pk])
    incident = Incident.objects.get()
    assert incident.started_at == t0
    assert incident.downtime_seconds == 210.0


def test_row_unacknowledged__renotified_then_escalated(vendor, mail_channel, escalation_channel):
    shop = make_integration("shop")
    outage(vendor, shop)
    later = timezone.now() + timedelta(minutes=16)
    assert incidents_escalate(now=later) == 1
    assert incidents_escalate(now=later + timedelta(minutes=31)) == 1
    assert [e for e, _ in pages(shop)] == ["opened", "escalated", "renotify"]


# --- signals -------------------------------------------------------------------------


@pytest.fixture
def now():
    return timezone.now()


def burning(integration, now):
    rollups(integration, now - timedelta(days=3), now - timedelta(hours=1), count=60)
    checks(integration, now - timedelta(hours=6), now - timedelta(minutes=10))
    checks(integration, now - timedelta(minutes=10), now, fail=True)


def test_row_burn_during_outage__joins_the_outage_timeline(mail_channel, now):
    shop = make_integration("shop", weight=1)
    outage_incident, _ = incident_open(integration=shop, reason="down")
    burning(shop, now)
    assert burn_alerts_evaluate(now=now) == {"joined": 1}
    assert not Incident.objects.filter(cause=BURN).exists()
    assert outage_incident.events.filter(data__joined="burn_rate").count() == 1


def test_row_burn_while_failing__held_until_the_outage_path_decides(mail_channel, now):
    shop = make_integration("shop", weight=1)
    shop.state.consecutive_failures = 2
    shop.state.save()
    burning(shop, now)
    assert burn_alerts_evaluate(now=now) == {"held": 1}
    assert pages() == []


def test_row_burn_while_upstream_failing__held(mail_channel, now):
    supabase = make_integration("supabase")
    chatwoot = make_integration("chatwoot", weight=1)
    chatwoot.depends_on.add(supabase)
    supabase.state.consecutive_failures = 1
    supabase.state.save()
    burning(chatwoot, now)
    assert burn_alerts_evaluate(now=now) == {"held": 1}
    assert pages() == []


def test_row_burn_after_outage_over__never_opens_on_its_errors(mail_channel, now):
    shop = make_integration("shop", weight=1)
    burning(shop, now - timedelta(minutes=1))
    outage_incident, _ = incident_open(
        integration=shop, reason="down", at=now - timedelta(minutes=11)
    )
    Incident.objects.filter(pk=outage_incident.pk).update(
        status="resolved", resolved_at=now - timedelta(seconds=30)
    )
    checks(shop, now - timedelta(seconds=30), now)  # healthy since
    assert burn_alerts_evaluate(now=now) == {"explained": 1}
    assert not Incident.objects.filter(cause=BURN).exists()


def test_row_burn_resolved__stays_resolved_without_new_failures(mail_channel, now):
    shop = make_integration("shop", weight=1)
    burning(shop, now)
    assert burn_alerts_evaluate(now=now) == {"opened": 1}
    burn = Incident.objects.get(cause=BURN)
    Incident.objects.filter(pk=burn.pk).update(status="resolved", resolved_at=now)
    assert burn_alerts_evaluate(now=now) == {"explained": 1}  # still over the thresholds
    assert Incident.objects.filter(cause=BURN).count() == 1


def test_row_signal_open_when_outage_opens__merged_resolved_where_it_paged(
    vendor, mail_channel, now
):
    shop = make_integration("shop", weight=1)
    burning(shop, now)
    assert burn_alerts_evaluate(now=now) == {"opened": 1}
    burn = Incident.objects.get(cause=BURN)
    outage(vendor, shop)
    burn.refresh_from_db()
    assert burn.status == "resolved"
    outage_incident = Incident.objects.get(cause="down")
    assert outage_incident.events.filter(message__startswith=f"joined: #{burn.pk}").exists()
    assert pages(shop) == [("opened", "queued"), ("opened", "queued"), ("resolved", "queued")]
    assert Notification.objects.get(event="resolved").incident == burn


def test_row_resolved_only_where_opened__channel_added_later_gets_nothing(vendor, mail_channel):
    from monitoring.models import Channel

    shop = make_integration("shop")
    outage(vendor, shop)
    Channel.objects.create(name="late", kind="email", recipients="late@hotrodan.test")
    recover(vendor, shop)
    assert Notification.objects.filter(event="resolved").count() == 1
    assert Notification.objects.get(event="resolved").channel == mail_channel


# --- nothing lost ---------------------------------------------------------------------


def test_row_sender_crashes__failed_on_the_timeline_never_sending(monkeypatch):
    from monitoring.models import Channel
    from monitoring.services.alerting import incident_notify, notification_send, notifications_sweep

    monkeypatch.setenv("BROKEN_HOOK_SECRET", "whsec_not*base64!")
    Channel.objects.create(
        name="hook", kind="webhook", url="http://hooks.ops.test/in", secret_env="BROKEN_HOOK_SECRET"
    )
    shop = make_integration("shop")
    incident, _ = incident_open(integration=shop, reason="HTTP 503")
    incident_notify(incident=incident, event="opened")
    note = Notification.objects.get()
    assert notification_send(note.pk) == "failed"
    note.refresh_from_db()
    assert "Error" in note.last_error and note.claimed_until is None
    assert incident.events.filter(kind="notify_failed").count() == 1
    assert notifications_sweep() == 0  # not re-queued


def test_row_reaction_lost_in_a_crash__swept_and_paged_once(mail_channel):
    from monitoring.services.reactions import transitions_sweep

    shop = make_integration("shop")
    crashed_at = timezone.now() - timedelta(minutes=1)
    CheckResult.objects.create(integration=shop, checked_at=crashed_at, status="fail")
    StateTransition.objects.create(
        integration=shop, at=crashed_at, from_status="ok", to_status="down", cause="HTTP 503"
    )  # stored by the engine; the worker died before reacting
    assert transitions_sweep() == 1
    assert transitions_sweep() == 0
    assert pages(shop) == [("opened", "queued")]
    assert not StateTransition.objects.filter(processed_at__isnull=True).exists()


def test_row_one_reaction_raises__the_others_still_react(vendor, mail_channel, monkeypatch):
    from monitoring.services import reactions

    first, second = make_integration("first"), make_integration("second")
    real = reactions.outage_begin

    def fragile(transition):
        if transition.integration_id == first.pk:
            raise RuntimeError("reaction bug")
        return real(transition)

    monkeypatch.setattr(reactions, "outage_begin", fragile)
    vendor_says(vendor, first, 503)
    vendor_says(vendor, second, 503)
    probe_now([first, second])
    assert pages(second) == [("opened", "queued")]
    failed = StateTransition.objects.get(integration=first)
    assert failed.processed_at is None and "reaction bug" in failed.last_error
    monkeypatch.setattr(reactions, "outage_begin", real)
    later = timezone.now() + timedelta(minutes=5)
    assert reactions.transitions_sweep(now=later) == 1
    assert pages(first) == [("opened", "queued")]


# --- the table and the tests agree ------------------------------------------------------

ROW = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def test_alerting_doc__every_row_names_a_test_that_exists():
    text = (ROOT / "docs" / "alerting.md").read_text(encoding="utf-8")
    named = ROW.findall(text)
    assert len(named) >= 15
    for path, name in named:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert f"def {name}(" in source, f"docs/alerting.md names {path}::{name}, missing"
