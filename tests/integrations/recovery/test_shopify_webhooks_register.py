"""shopify.webhooks_register: an operator's request, approved by a second person, subscribes
the missing topics in the Shopify sandbox (existing ones are skipped); it is no outage step."""

from __future__ import annotations

import pytest
import requests

from approvals.services import approval_request_create, approval_request_execute
from hotdash.errors import ValidationFailed
from integrations.recovery_live import shopify as shopify_action
from integrations.recovery_live.shopify import TOPICS
from monitoring.services.recovery import PLAYBOOKS
from tests.integrations.recovery.conftest import approve, verbs

ACTION = "shopify.webhooks_register"
HOOK = "https://hotdash.example/webhooks/shopify/"
CREATE = """mutation C($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) { userErrors { message } } }"""


@pytest.fixture
def shop(integration, settings):
    settings.PUBLIC_BASE_URL = "https://hotdash.example"
    return integration("shopify")


def requested(operator, **params):
    return approval_request_create(
        action=ACTION, params={"slug": "shopify", **params}, requested_by=operator
    )


def subscribed(sandbox) -> list[tuple[str, str]]:
    return sorted((s["topic"], s["uri"]) for s in sandbox.state()["shopify"]["webhooks"])


def subscribe(sandbox, topic, uri=HOOK):
    body = {"query": CREATE, "variables": {"topic": topic, "sub": {"uri": uri}}}
    headers = {"X-Shopify-Access-Token": "sandbox-shopify-token"}
    url = f"{sandbox.url}/shopify/admin/api/2025-10/graphql.json"
    requests.post(url, json=body, headers=headers, timeout=5).raise_for_status()


@pytest.mark.django_db(transaction=True)
def test_register__approved__job_subscribes_every_topic_and_audits(
    shop, sandbox, sync_jobs, operator, approver
):
    request = requested(operator)
    assert request.precondition["callback_url"] == HOOK
    approve(request, approver)
    request.refresh_from_db()
    assert request.status == "succeeded"
    assert request.result["created"] == list(TOPICS)
    assert subscribed(sandbox) == sorted((topic, HOOK) for topic in TOPICS)
    assert [verb for verb, _ in verbs(request)][-1] == "approval.execute"


@pytest.mark.django_db
def test_register__topic_already_subscribed__skipped(shop, sandbox, operator, approver):
    subscribe(sandbox, "ORDERS_CREATE")
    subscribe(sandbox, "ORDERS_UPDATED", uri="https://old.example/hooks")  # elsewhere: not ours
    request = requested(operator, topics=["ORDERS_CREATE", "ORDERS_UPDATED"])
    approve(request, approver)
    result = approval_request_execute(request_id=request.pk).result
    assert (result["already"], result["created"]) == (["ORDERS_CREATE"], ["ORDERS_UPDATED"])
    assert len(subscribed(sandbox)) == 3


@pytest.mark.django_db
def test_register__run_again__creates_nothing(shop, sandbox):
    shopify_action.perform({"slug": "shopify"}, "first")
    again = shopify_action.perform({"slug": "shopify"}, "second")
    assert again["created"] == [] and len(again["already"]) == len(TOPICS)
    assert len(subscribed(sandbox)) == len(TOPICS)


@pytest.mark.django_db
def test_register__no_public_base_url__400_and_nothing_subscribed(
    integration, sandbox, settings, operator
):
    settings.PUBLIC_BASE_URL = None
    integration("shopify")
    with pytest.raises(ValidationFailed) as refused:
        requested(operator)
    assert refused.value.code == "public_base_url_missing"
    assert subscribed(sandbox) == []


@pytest.mark.django_db
def test_register__not_a_shopify_integration__400(integration, settings, operator):
    settings.PUBLIC_BASE_URL = "https://hotdash.example"
    integration("chatwoot")
    with pytest.raises(ValidationFailed) as refused:
        approval_request_create(action=ACTION, params={"slug": "chatwoot"}, requested_by=operator)
    assert refused.value.code == "not_shopify"


@pytest.mark.django_db
def test_register__unknown_topic__refused_by_the_schema(shop, operator):
    with pytest.raises(ValidationFailed):
        requested(operator, topics=["APP_UNINSTALLED"])


@pytest.mark.django_db
def test_reconcile__reads_the_subscriptions_back(shop, sandbox):
    params = {"slug": "shopify", "topics": ["ORDERS_CREATE", "ORDERS_UPDATED"]}
    subscribe(sandbox, "ORDERS_CREATE")
    partial = shopify_action.reconcile(params, "key")
    assert (partial["performed"], partial["missing"]) == (False, ["ORDERS_UPDATED"])
    subscribe(sandbox, "ORDERS_UPDATED")
    assert shopify_action.reconcile(params, "key")["performed"] is True


@pytest.mark.django_db
def test_reconcile__shopify_unreadable__stays_unknown(shop, sandbox):
    sandbox.set_faults("shopify", outage=True, outage_mode="reset")
    assert shopify_action.reconcile({"slug": "shopify"}, "key") is None


def test_playbook__shopify_outage_never_registers_webhooks():
    assert ACTION not in PLAYBOOKS["shopify"]
