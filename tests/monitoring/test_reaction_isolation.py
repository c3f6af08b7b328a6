"""A failure fails alone: a reaction that raises leaves the rest of its probe batch to
react, and is retried by the sweep; a send that crashes on its channel's configuration
ends `failed`, on the timeline, and is never sent again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from monitoring.engine import probe_now
from monitoring.models import Channel, Incident, IncidentEvent, Notification, StateTransition
from monitoring.services import reactions
from monitoring.services.alerting import notification_send, notifications_sweep
from monitoring.services.reactions import transitions_sweep
from tests.monitoring.conftest import make_integration, vendor_says

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def jobs(monkeypatch):
    """Jobs enqueued on commit are recorded, not run."""
    queue: list[tuple[str, tuple]] = []

    def enqueue(func, *args, **kwargs):
        queue.append((func, args))

    monkeypatch.setattr("monitoring.services.alerting.async_task", enqueue)
    monkeypatch.setattr("monitoring.services.reactions.async_task", enqueue)
    return queue


class BrokenReaction:
    """The outage reaction raises for the slugs in `broken` (a bug, a lost connection) and
    works for the others; `seen` lists the integration ids reacted to, in order."""

    def __init__(self, real):
        self.real, self.broken, self.seen = real, {"alpha"}, []

    def __call__(self, transition):
        self.seen.append(transition.integration_id)
        if transition.integration.slug in self.broken:
            raise RuntimeError("the routing table is being rebuilt")
        return self.real(transition)


@pytest.fixture
def broken_reaction(monkeypatch):
    broken = BrokenReaction(reactions.outage_begin)
    monkeypatch.setattr(reactions, "outage_begin", broken)
    return broken


def test_react__first_reaction_raises__rest_of_the_batch_still_pages(
    vendor, mail_channel, jobs, broken_reaction
):
    # Given two integrations that go down in one probe batch
    alpha, beta = make_integration("alpha"), make_integration("beta")
    vendor_says(vendor, alpha, 503)
    vendor_says(vendor, beta, 503)

    # When the reaction to alpha's transition raises
    stats = probe_now([alpha, beta])

    # Then beta, reacted to after it, still has its incident and its page
    assert stats.transitions == 2 and broken_reaction.seen == [alpha.pk, beta.pk]
    assert Incident.objects.get().integration == beta
    assert Notification.objects.get().status == "queued"
    assert StateTransition.objects.get(integration=beta).processed_at is not None
    # And alpha's transition waits, with its error, for a retry with backoff
    failed = StateTransition.objects.get(integration=alpha)
    assert failed.processed_at is None and failed.attempts == 1
    assert failed.last_error == "RuntimeError: the routing table is being rebuilt"
    assert failed.claimed_until > timezone.now() + timedelta(seconds=20)
    assert transitions_sweep(now=timezone.now() + timedelta(seconds=20)) == 0  # backing off

    # When the cause is gone and the sweep comes after the backoff
    broken_reaction.broken.clear()
    assert transitions_sweep(now=timezone.now() + timedelta(minutes=2)) == 1

    # Then alpha gets its incident and its page, once
    failed.refresh_from_db()
    assert failed.processed_at is not None and failed.last_error == ""
    assert Incident.objects.filter(integration=alpha, status="open").count() == 1
    assert Notification.objects.filter(incident__integration=alpha, event="opened").count() == 1
    assert transitions_sweep(now=timezone.now() + timedelta(minutes=10)) == 0  # nothing left


def test_react__earlier_transition_failed__later_one_of_same_integration_waits(
    vendor, mail_channel, jobs, broken_reaction
):
    # Given alpha's outage reaction failed
    alpha = make_integration("alpha")
    vendor_says(vendor, alpha, 503)
    probe_now([alpha])
    # When alpha recovers before the retry
    vendor_says(vendor, alpha, 200)
    probe_now([alpha])
    # Then its recovery is not reacted to before its outage (no resolve overtakes it)
    assert StateTransition.objects.filter(processed_at__isnull=True).count() == 2
    # And once the outage reaction works, the sweep reacts to both, in order
    broken_reaction.broken.clear()
    assert transitions_sweep(now=timezone.now() + timedelta(minutes=2)) == 2
    incident = Incident.objects.get(integration=alpha)
    assert incident.status == "resolved"
    events = list(Notification.objects.order_by("pk").values_list("event", flat=True))
    assert events == ["opened", "resolved"]


@pytest.fixture
def bad_secret_channel(db, monkeypatch):
    """A signed webhook whose secret variable holds a value that is not base64."""
    monkeypatch.setenv("OPS_BAD_HOOK_SECRET", "whsec_abcde")  # 5 characters: undecodable
    return Channel.objects.create(
        name="ops hook",
        kind="webhook",
        url="http://hooks.ops.test/in",
        secret_env="OPS_BAD_HOOK_SECRET",
    )


def test_send__webhook_secret_not_base64__failed_on_timeline_never_requeued(
    vendor, bad_secret_channel, jobs
):
    # Given an outage paged to a webhook whose secret cannot be decoded
    shop = make_integration("shop")
    vendor_says(vendor, shop, 503)
    probe_now([shop])
    note = Notification.objects.get()
    assert ("monitoring.tasks.notification_send_task", (note.pk,)) in jobs

    # When its send job runs
    assert notification_send(note.pk) == "failed"

    # Then it failed at once (a configuration error is not retried), said why, sent nothing
    note.refresh_from_db()
    assert (note.status, note.attempts, note.claimed_until) == ("failed", 1, None)
    assert "base64" in note.last_error.lower() or "padding" in note.last_error.lower()
    failed = note.incident.events.get(kind=IncidentEvent.Kind.NOTIFY_FAILED)
    assert note.last_error in failed.message and "gave up" in failed.message
    assert not [c for c in vendor.calls if "hooks.ops.test" in c.request.url]

    # And the sweep, however late, neither re-queues nor re-sends it
    Notification.objects.update(created_at=F("created_at") - timedelta(hours=1))
    jobs.clear()
    assert notifications_sweep() == 0 and jobs == []
    note.refresh_from_db()
    assert note.status == "failed" and note.attempts == 1
    assert not Notification.objects.filter(status="sending").exists()
