"""Gold replies: stored in the KB (Supabase, via the sandbox) and offered for approval, once."""

from __future__ import annotations

import pytest

from approvals.models import ApprovalRequest
from integrations.catalogue import CATALOGUE
from integrations.clients.supabase import SupabaseClient
from integrations.models import Integration, IntegrationState
from integrations.webhooks.models import WebhookEvent
from integrations.webhooks.processing import webhook_event_process
from tests.integrations.webhooks.conftest import GOLD, post_gold

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status


@pytest.fixture
def vendors(db, sandbox, settings):
    """The Chatwoot and Supabase integrations of the catalogue, in sandbox mode."""
    settings.SANDBOX_URL = sandbox.url
    made = {}
    for entry in CATALOGUE:
        if entry["slug"] in ("chatwoot", "supabase"):
            fields = {k: v for k, v in entry.items() if k != "depends_on"} | {"mode": "sandbox"}
            made[entry["slug"]] = Integration.objects.create(**fields)
            IntegrationState.objects.create(integration=made[entry["slug"]])
    return made


def kb_rows(supabase: Integration, conversation_id: int) -> list[dict]:
    page = SupabaseClient(supabase).select(
        "kb_gold_replies", filters={"conversation_id": f"eq.{conversation_id}"}
    )
    return page.rows


def received_gold_reply(client, jobs, payload=GOLD) -> WebhookEvent:
    assert post_gold(client, payload=payload).status_code == 202
    return WebhookEvent.objects.get(pk=jobs[-1][0])


def test_gold_reply__stored_in_kb_and_offered_for_approval(client, jobs, vendors):
    payload = GOLD | {"question": "When do my fittings ship?"}
    event = received_gold_reply(client, jobs, payload)
    assert webhook_event_process(event_id=event.pk) == Status.PROCESSED
    [row] = kb_rows(vendors["supabase"], 42)
    assert (row["question"], row["reply"], row["approved_by"]) == (
        "When do my fittings ship?",
        GOLD["reply"],
        "dana",
    )
    request = ApprovalRequest.objects.get()
    assert (request.action, request.status, request.requested_by_name) == (
        "chatwoot.send_reply",
        ApprovalRequest.Status.PENDING,
        "gold_replies",
    )
    assert request.params == {
        "integration": "chatwoot",
        "conversation_id": 42,
        "content": GOLD["reply"],
    }
    assert request.context["webhook_event_id"] == event.pk
    event.refresh_from_db()
    assert event.result == {"kb_row_id": row["id"], "approval_request_id": request.pk}


def test_gold_reply__processed_again__no_second_kb_row_or_request(client, jobs, vendors):
    """A retry after a crash (or a replay) finds the KB row and the request already there."""
    event = received_gold_reply(client, jobs)
    webhook_event_process(event_id=event.pk)
    WebhookEvent.objects.filter(pk=event.pk).update(status=Status.RECEIVED)
    assert webhook_event_process(event_id=event.pk) == Status.PROCESSED
    assert len(kb_rows(vendors["supabase"], 42)) == 1
    assert ApprovalRequest.objects.count() == 1


def test_gold_reply__nothing_sent_to_the_customer_before_approval(client, jobs, vendors, sandbox):
    event = received_gold_reply(client, jobs)
    webhook_event_process(event_id=event.pk)
    assert sandbox.chatwoot_messages() == []


def test_gold_reply__supabase_down__retried(client, jobs, vendors, sandbox):
    sandbox.set_faults("supabase", outage=True)
    event = received_gold_reply(client, jobs)
    assert webhook_event_process(event_id=event.pk) == Status.RECEIVED
    event.refresh_from_db()
    assert event.last_error and not ApprovalRequest.objects.exists()


def test_gold_reply__no_chatwoot_integration__failed_permanently(client, jobs, vendors):
    vendors["chatwoot"].delete()
    event = received_gold_reply(client, jobs)
    assert webhook_event_process(event_id=event.pk) == Status.FAILED
    event.refresh_from_db()
    assert "chatwoot" in event.last_error
