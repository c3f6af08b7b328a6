"""Chatwoot replies and Publer posts, approved and executed against the vendor sandbox over HTTP."""

from __future__ import annotations

import pytest

from approvals.services import (
    approval_request_approve,
    approval_request_create,
    approval_request_execute,
    kill_switch_set,
)
from integrations.catalogue import CATALOGUE
from integrations.clients.chatwoot import ChatwootClient
from integrations.models import Integration, IntegrationState

pytestmark = pytest.mark.django_db

FACEBOOK_PAGE = "66db83154e299efa19a2d8eb"  # the sandbox's seeded Publer account


@pytest.fixture
def integration(db, sandbox, settings):
    settings.SANDBOX_URL = sandbox.url

    def make(slug: str) -> Integration:
        entry = next(e for e in CATALOGUE if e["slug"] == slug)
        fields = {k: v for k, v in entry.items() if k != "depends_on"} | {"mode": "sandbox"}
        made = Integration.objects.create(**fields)
        IntegrationState.objects.create(integration=made)
        return made

    return make


@pytest.fixture
def conversation(integration) -> int:
    return ChatwootClient(integration("chatwoot")).conversations(status="all")[0]["id"]


def approved(action: str, params: dict, operator, approver):
    request = approval_request_create(action=action, params=params, requested_by=operator)
    return approval_request_approve(request_id=request.pk, approver=approver)


def test_chatwoot_reply__approved__is_sent_once_and_shown_readably(
    conversation, operator, approver, sandbox
):
    params = {"conversation_id": conversation, "content": "Your AN fittings ship today."}
    request = approved("chatwoot.send_reply", params, operator, approver)
    from approvals.registry import get

    rows = dict(get("chatwoot.send_reply").rows(request.params, request.precondition))
    assert (
        rows["conversation"] == f"#{conversation}" and rows["integration"] == "chatwoot (sandbox)"
    )
    assert approval_request_execute(request_id=request.pk).status == "succeeded"
    assert approval_request_execute(request_id=request.pk).status == "succeeded"
    sent = [m for m in sandbox.chatwoot_messages() if m["content"] == params["content"]]
    assert len(sent) == 1


def test_chatwoot_reply__kill_switch_set_while_queued__sends_nothing(
    conversation, operator, approver, sandbox
):
    request = approved(
        "chatwoot.send_reply",
        {"conversation_id": conversation, "content": "Hi"},
        operator,
        approver,
    )
    kill_switch_set(scope="integration", target="chatwoot", actor=operator, reason="bad tone")
    assert approval_request_execute(request_id=request.pk).status == "conflict"
    assert sandbox.chatwoot_messages() == []


def test_chatwoot_reply__integration_switched_to_live_after_approval__is_a_conflict(
    conversation, operator, approver, sandbox
):
    request = approved(
        "chatwoot.send_reply",
        {"conversation_id": conversation, "content": "Hi"},
        operator,
        approver,
    )
    Integration.objects.filter(slug="chatwoot").update(mode="live")
    request = approval_request_execute(request_id=request.pk)
    assert (request.status, request.result["code"]) == ("conflict", "precondition_drift")
    assert sandbox.chatwoot_messages() == []


def test_chatwoot_reply__vendor_rejects_the_token__is_failed(
    conversation, operator, approver, sandbox
):
    request = approved(
        "chatwoot.send_reply",
        {"conversation_id": conversation, "content": "Hi"},
        operator,
        approver,
    )
    sandbox.set_faults("chatwoot", wrong_auth=True)
    assert approval_request_execute(request_id=request.pk).status == "failed"


def test_chatwoot_reply__vendor_answers_503_after_the_call__is_unknown(
    conversation, operator, approver, sandbox
):
    request = approved(
        "chatwoot.send_reply",
        {"conversation_id": conversation, "content": "Hi"},
        operator,
        approver,
    )
    sandbox.set_faults("chatwoot", outage=True, outage_mode="503")
    assert approval_request_execute(request_id=request.pk).status == "unknown"


def test_publer_post__approved__publishes_and_follows_the_job(
    integration, operator, approver, sandbox
):
    integration("publer")
    sandbox.set_faults("publer", job_delay_ms=50)
    params = {"network": "facebook", "text": "New AN hose kits", "account_ids": [FACEBOOK_PAGE]}
    request = approved("publer.publish_post", params, operator, approver)
    request = approval_request_execute(request_id=request.pk)
    assert request.status == "succeeded"
    assert (
        request.result["job_status"] in {"completed", "complete"}
        and request.result["failures"] == {}
    )


def test_publer_post__every_account_failing__is_failed(integration, operator, approver, sandbox):
    integration("publer")
    sandbox.set_faults("publer", job_delay_ms=0, job_failure=True)
    params = {"network": "facebook", "text": "Sale", "account_ids": [FACEBOOK_PAGE]}
    request = approved("publer.publish_post", params, operator, approver)
    assert approval_request_execute(request_id=request.pk).status == "failed"


def test_publer_post__bad_params__are_refused_before_any_call(integration, operator, sandbox):
    from hotdash.errors import DomainError

    integration("publer")
    with pytest.raises(DomainError) as caught:
        approval_request_create(
            action="publer.publish_post",
            params={"network": "facebook", "text": "", "account_ids": []},
            requested_by=operator,
        )
    assert set(caught.value.extra["errors"]) == {"text", "account_ids"}
