"""Switching an integration to live and back: approval-gated, credentials present, atomic."""

from __future__ import annotations

from unittest import mock

import pytest

from approvals.models import AuditEvent, FeatureFlag
from approvals.services import (
    action_run_safe,
    approval_request_approve,
    approval_request_create,
    approval_request_execute,
)
from hotdash.errors import DomainError
from integrations.models import Integration

pytestmark = pytest.mark.django_db

TOKEN_VAR = "HOTDASH_TEST_SHOPIFY_TOKEN"
SECRET = "shpat-not-to-be-seen-anywhere"


@pytest.fixture
def shopify():
    return Integration.objects.create(
        slug="shopify",
        name="Shopify",
        kind="shopify",
        base_url="https://hot-rod-an.myshopify.com",
        credential_env={"token": TOKEN_VAR},
    )


def go_live(operator):
    return approval_request_create(
        action="integrations.switch_live", params={"slug": "shopify"}, requested_by=operator
    )


def test_switch_live__credentials_missing__is_refused_naming_only_the_variable(
    shopify, operator, monkeypatch
):
    monkeypatch.delenv(TOKEN_VAR, raising=False)
    with pytest.raises(DomainError) as caught:
        go_live(operator)
    assert caught.value.code == "credentials_missing"
    assert caught.value.extra == {"missing": [TOKEN_VAR]}


def test_switch_live__credential_blank__counts_as_missing(shopify, operator, monkeypatch):
    monkeypatch.setenv(TOKEN_VAR, "   ")
    with pytest.raises(DomainError):
        go_live(operator)


def test_switch_live__approved__sets_the_mode_and_never_records_the_value(
    shopify, operator, approver, monkeypatch
):
    monkeypatch.setenv(TOKEN_VAR, SECRET)
    request = go_live(operator)
    assert Integration.objects.get(slug="shopify").mode == "sandbox"  # not before sign-off
    approval_request_approve(request_id=request.pk, approver=approver)
    request = approval_request_execute(request_id=request.pk)
    assert request.status == "succeeded"
    assert Integration.objects.get(slug="shopify").mode == "live"
    assert not FeatureFlag.objects.exists()  # the mode is the one record of live
    assert AuditEvent.objects.filter(verb="integration.mode_changed").exists()
    everything = str(list(AuditEvent.objects.values())) + str(request.__dict__)
    assert SECRET not in everything


def test_switch_live__variable_removed_before_execution__is_a_conflict(
    shopify, operator, approver, monkeypatch
):
    monkeypatch.setenv(TOKEN_VAR, SECRET)
    request = go_live(operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    monkeypatch.delenv(TOKEN_VAR)
    request = approval_request_execute(request_id=request.pk)
    assert (request.status, request.result["code"]) == ("conflict", "precondition_failed")
    assert Integration.objects.get(slug="shopify").mode == "sandbox"


def test_switch_live__failing_midway__leaves_the_mode_unswitched(
    shopify, operator, approver, monkeypatch
):
    monkeypatch.setenv(TOKEN_VAR, SECRET)
    request = go_live(operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    # the last write of the transaction fails, after the mode was written
    with mock.patch("integrations.actions.mode.audit_record", side_effect=RuntimeError("db")):
        assert approval_request_execute(request_id=request.pk).status == "unknown"
    assert Integration.objects.get(slug="shopify").mode == "sandbox"


def test_switch_live__integration_kill_switch__stops_it(shopify, operator, approver, monkeypatch):
    from approvals.services import kill_switch_set

    monkeypatch.setenv(TOKEN_VAR, SECRET)
    request = go_live(operator)
    approval_request_approve(request_id=request.pk, approver=approver)
    kill_switch_set(scope="integration", target="shopify", actor=operator, reason="hold")
    assert approval_request_execute(request_id=request.pk).result["code"] == "kill_switch"


def test_switch_sandbox__is_safe_and_runs_without_approval_even_under_a_kill_switch(
    shopify, operator
):
    from approvals.services import kill_switch_set

    Integration.objects.filter(slug="shopify").update(mode="live")
    kill_switch_set(scope="global", actor=operator, reason="stop everything")
    request = action_run_safe(
        action="integrations.switch_sandbox", params={"slug": "shopify"}, actor=operator
    )
    assert request.status == "succeeded"
    assert Integration.objects.get(slug="shopify").mode == "sandbox"


def test_switch_live__unknown_integration__is_404(operator):
    with pytest.raises(DomainError) as caught:
        approval_request_create(
            action="integrations.switch_live", params={"slug": "nope"}, requested_by=operator
        )
    assert caught.value.http_status == 404
