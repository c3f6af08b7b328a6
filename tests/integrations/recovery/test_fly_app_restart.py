"""fly.app_restart: approved by a second person, the job restarts the app's Machines in the
Fly sandbox once; refusals send nothing; a lost answer is reconciled from Machine events."""

from __future__ import annotations

import pytest
import responses

from approvals import registry
from approvals.services import (
    action_run_safe,
    approval_request_create,
    approval_request_execute,
    approval_request_reconcile,
)
from hotdash.errors import PermissionRefused, ValidationFailed
from integrations.models import Integration
from integrations.recovery_live import fly as fly_action
from tests.integrations.recovery.conftest import approve, fly_calls, fly_restarts, verbs

ACTION = "fly.app_restart"
PARAMS = {"slug": "llamaindex"}


@pytest.fixture
def llamaindex(integration):
    return integration("llamaindex")


def requested(operator, params=PARAMS):
    return approval_request_create(action=ACTION, params=params, requested_by=operator)


@pytest.mark.django_db(transaction=True)
def test_restart__approved_by_another_user__job_restarts_each_machine_once_and_audits(
    llamaindex, sandbox, sync_jobs, operator, approver
):
    sandbox.set_faults("llamaindex", outage=True)
    request = requested(operator)
    assert request.precondition == {
        "integration": "llamaindex",
        "mode": "sandbox",
        "app": "hotrodan-rag",
        "token_env": "FLY_API_TOKEN",
    }
    approve(request, approver)  # the execution job runs now
    request.refresh_from_db()
    assert request.status == "succeeded"
    assert len(request.result["restarted"]) == 2
    assert fly_restarts(sandbox) == dict.fromkeys(request.result["restarted"], 1)
    assert sandbox.faults("llamaindex")["outage"] is False  # the sandbox's hosted service
    assert verbs(request) == [
        ("approval.requested", "success"),
        ("approval.approve", "success"),
        ("approval.execute", "success"),
    ]


@pytest.mark.django_db(transaction=True)
def test_execute_twice__restarts_once(llamaindex, sandbox, sync_jobs, operator, approver):
    request = requested(operator)
    approve(request, approver)
    assert approval_request_execute(request_id=request.pk).status == "succeeded"
    assert set(fly_restarts(sandbox).values()) == {1}


@pytest.mark.django_db
def test_restart__not_approved__never_performed(llamaindex, sandbox, operator):
    request = requested(operator)
    assert approval_request_execute(request_id=request.pk).status == "pending"
    with pytest.raises(PermissionRefused):  # live: no "safe" shortcut either
        action_run_safe(action=ACTION, params=PARAMS, actor=operator)
    assert fly_restarts(sandbox) == {} and fly_calls(sandbox) == []


@pytest.mark.django_db
def test_restart__inbox_rows_say_what_restarts(llamaindex, sandbox, operator):
    request = requested(operator)
    rows = dict(registry.get(ACTION).rows(request.params, request.precondition))
    assert rows["Fly app"] == "hotrodan-rag"
    assert rows["Machines API"] == f"{sandbox.url}/fly"
    assert rows["integration"] == "llamaindex (sandbox)"


@pytest.mark.django_db
def test_restart__no_hosting_config__400_and_no_fly_call(integration, sandbox, operator):
    integration("mcp-github")  # served by GitHub, not from Fly
    with pytest.raises(ValidationFailed) as refused:
        requested(operator, {"slug": "mcp-github"})
    assert refused.value.code == "hosting_missing"
    with pytest.raises(registry.ActionFailed, match="no Fly hosting"):
        fly_action.perform({"slug": "mcp-github"}, "direct-call")
    assert fly_calls(sandbox) == []


@pytest.mark.django_db
def test_restart__live_without_token__400_and_nothing_sent(integration, operator, monkeypatch):
    monkeypatch.delenv("FLY_API_TOKEN", raising=False)
    integration("llamaindex", mode=Integration.Mode.LIVE)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as wire:
        with pytest.raises(ValidationFailed) as refused:
            requested(operator)
        with pytest.raises(registry.ActionFailed, match="FLY_API_TOKEN"):
            fly_action.perform(PARAMS, "direct-call")
        assert len(wire.calls) == 0
    assert refused.value.code == "credentials_missing"
    assert "FLY_API_TOKEN" in refused.value.detail


@pytest.mark.django_db
def test_restart__live_with_token__calls_the_machines_api(integration, monkeypatch):
    monkeypatch.setenv("FLY_API_TOKEN", "fo1_live-token")
    integration("llamaindex", mode=Integration.Mode.LIVE)
    base = "https://api.machines.dev/v1/apps/hotrodan-rag/machines"
    machine = {"id": "148ed123456789", "state": "started", "region": "iad", "events": []}
    with responses.RequestsMock(assert_all_requests_are_fired=True) as wire:
        wire.get(base, json=[machine])
        wire.post(f"{base}/148ed123456789/restart", json={"ok": True})
        result = fly_action.perform(PARAMS, "direct-call")
        assert wire.calls[1].request.headers["Authorization"] == "Bearer fo1_live-token"
    assert result["restarted"] == ["148ed123456789"]


@pytest.mark.django_db(transaction=True)
def test_fly_unreachable_before_any_restart__failed_not_unknown(
    llamaindex, sandbox, sync_jobs, operator, approver
):
    sandbox.set_faults("fly", outage=True, outage_mode="hang", hang_ms=3000)
    request = requested(operator)
    approve(request, approver)
    request.refresh_from_db()
    assert request.status == "failed" and "listing the Machines" in request.error


@pytest.mark.django_db(transaction=True)
def test_answer_lost_after_restart__unknown_then_reconciled_as_performed(
    llamaindex, sandbox, sync_jobs, operator, approver
):
    sandbox.set_faults("fly", restart_fault="hang_after", hang_ms=3000)
    request = requested(operator)
    approve(request, approver)
    request.refresh_from_db()
    assert request.status == "unknown"
    first = request.result  # {"code": "unknown"}
    assert first == {"code": "unknown"} and len(fly_restarts(sandbox)) == 1

    sandbox.set_faults("fly", restart_fault="none")
    assert approval_request_reconcile(request_id=request.pk) == "succeeded"
    assert approval_request_execute(request_id=request.pk).status == "succeeded"
    assert list(fly_restarts(sandbox).values()) == [1]  # never restarted twice
    assert ("approval.reconcile", "success") in verbs(request)


@pytest.mark.django_db(transaction=True)
def test_reset_before_restart__reconciled_not_performed__run_again_once(
    llamaindex, sandbox, sync_jobs, operator, approver
):
    sandbox.set_faults("fly", restart_fault="reset_before")
    request = requested(operator)
    approve(request, approver)
    request.refresh_from_db()
    assert request.status == "unknown" and fly_restarts(sandbox) == {}

    sandbox.set_faults("fly", restart_fault="none")
    assert approval_request_reconcile(request_id=request.pk) == "approved"  # job runs again
    request.refresh_from_db()
    assert (request.status, request.attempts) == ("succeeded", 2)
    assert set(fly_restarts(sandbox).values()) == {1}


@pytest.mark.django_db(transaction=True)
def test_reconcile__fly_unreadable__stays_unknown(
    llamaindex, sandbox, sync_jobs, operator, approver
):
    sandbox.set_faults("fly", restart_fault="reset_before")
    request = requested(operator)
    approve(request, approver)
    sandbox.set_faults("fly", outage=True)
    assert approval_request_reconcile(request_id=request.pk) is None
    request.refresh_from_db()
    assert request.status == "unknown"


@pytest.mark.django_db
def test_hosting_changed_after_approval__conflict_and_nothing_restarted(
    llamaindex, sandbox, operator, approver
):
    request = requested(operator)
    approve(request, approver)
    llamaindex.config = {**llamaindex.config, "hosting": {"provider": "fly", "app": "other"}}
    llamaindex.save()
    assert approval_request_execute(request_id=request.pk).status == "conflict"
    assert fly_restarts(sandbox) == {}
