"""supabase.project_resume: only a paused project may be resumed; approved by a second
person, the job restores it once; refusals send nothing; a lost answer is reconciled from
the project's status."""

from __future__ import annotations

import pytest
import requests
import responses

from approvals import registry
from approvals.services import (
    approval_request_create,
    approval_request_execute,
    approval_request_reconcile,
)
from hotdash.errors import ValidationFailed
from integrations.models import Integration
from integrations.recovery_live import supabase as supabase_action
from tests.integrations.recovery.conftest import approve, mgmt_calls, pause_project, verbs

ACTION = "supabase.project_resume"
PARAMS = {"slug": "supabase"}
RESTORE = {"method": "POST", "path": "/v1/projects/hotrodan/restore"}


@pytest.fixture
def supabase(integration):
    return integration("supabase")


def requested(operator):
    return approval_request_create(action=ACTION, params=PARAMS, requested_by=operator)


def status(sandbox) -> str:
    return sandbox.state()["supabase-mgmt"]["status"]


def data_api_status(sandbox) -> int:
    headers = {"apikey": "sandbox-supabase-service"}
    url = f"{sandbox.url}/supabase/rest/v1/idea_pool?limit=1"
    return requests.get(url, headers=headers, timeout=5).status_code


@pytest.mark.django_db(transaction=True)
def test_resume__paused_and_approved__job_restores_it_and_audits(
    supabase, sandbox, sync_jobs, operator, approver
):
    pause_project(sandbox)
    assert data_api_status(sandbox) == 503
    request = requested(operator)
    assert request.precondition["status"] == "INACTIVE"
    approve(request, approver)
    request.refresh_from_db()
    assert request.status == "succeeded"
    assert status(sandbox) == "ACTIVE_HEALTHY" and data_api_status(sandbox) == 200
    assert mgmt_calls(sandbox).count(RESTORE) == 1
    assert [verb for verb, _ in verbs(request)] == [
        "approval.requested",
        "approval.approve",
        "approval.execute",
    ]


@pytest.mark.django_db
def test_resume__not_paused__400_and_no_restore(supabase, sandbox, operator):
    with pytest.raises(ValidationFailed) as refused:
        requested(operator)
    assert refused.value.code == "not_paused" and "ACTIVE_HEALTHY" in refused.value.detail
    assert RESTORE not in mgmt_calls(sandbox)


@pytest.mark.django_db
def test_resume__no_project_ref__400_and_no_call(integration, sandbox, operator):
    integration("supabase", config={"probe_table": "idea_pool"})
    with pytest.raises(ValidationFailed) as refused:
        requested(operator)
    assert refused.value.code == "project_ref_missing"
    with pytest.raises(registry.ActionFailed, match="project_ref"):
        supabase_action.perform(PARAMS, "direct-call")
    assert mgmt_calls(sandbox) == []


@pytest.mark.django_db
def test_resume__live_without_access_token__400_and_nothing_sent(
    integration, operator, monkeypatch
):
    monkeypatch.delenv("SUPABASE_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", "sb_secret_data-api-key")  # not what it needs
    integration("supabase", mode=Integration.Mode.LIVE)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as wire:
        with pytest.raises(ValidationFailed) as refused:
            requested(operator)
        with pytest.raises(registry.ActionFailed, match="SUPABASE_ACCESS_TOKEN"):
            supabase_action.perform(PARAMS, "direct-call")
        assert len(wire.calls) == 0
    assert refused.value.code == "credentials_missing"


@pytest.mark.django_db
def test_resume__live__calls_the_management_api_with_the_access_token(integration, monkeypatch):
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", "sbp_live-token")
    integration("supabase", mode=Integration.Mode.LIVE)
    url = "https://api.supabase.com/v1/projects/hotrodan"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as wire:
        wire.get(url, json={"ref": "hotrodan", "status": "INACTIVE"})
        wire.post(f"{url}/restore", json={})
        snapshot = supabase_action.precondition(PARAMS)
        supabase_action.perform(PARAMS, "direct-call")
        assert wire.calls[1].request.headers["Authorization"] == "Bearer sbp_live-token"
        assert wire.calls[1].request.body == b"{}"
    assert snapshot["status"] == "INACTIVE"


@pytest.mark.django_db(transaction=True)
def test_answer_lost_after_restore__unknown_then_reconciled_as_performed(
    supabase, sandbox, sync_jobs, operator, approver
):
    pause_project(sandbox)
    sandbox.set_faults("supabase-mgmt", restore_fault="hang_after", hang_ms=3000)
    request = requested(operator)
    approve(request, approver)
    request.refresh_from_db()
    assert request.status == "unknown" and status(sandbox) == "ACTIVE_HEALTHY"

    sandbox.set_faults("supabase-mgmt", restore_fault="none")
    assert approval_request_reconcile(request_id=request.pk) == "succeeded"
    assert approval_request_execute(request_id=request.pk).status == "succeeded"
    assert mgmt_calls(sandbox).count(RESTORE) == 1  # never restored twice


@pytest.mark.django_db(transaction=True)
def test_reset_before_restore__reconciled_not_performed__run_again_once(
    supabase, sandbox, sync_jobs, operator, approver
):
    pause_project(sandbox)
    sandbox.set_faults("supabase-mgmt", restore_fault="reset_before")
    request = requested(operator)
    approve(request, approver)
    request.refresh_from_db()
    assert request.status == "unknown" and status(sandbox) == "INACTIVE"

    sandbox.set_faults("supabase-mgmt", restore_fault="none")
    assert approval_request_reconcile(request_id=request.pk) == "approved"  # job runs again
    request.refresh_from_db()
    assert (request.status, status(sandbox)) == ("succeeded", "ACTIVE_HEALTHY")


@pytest.mark.django_db
def test_restored_by_someone_else_after_approval__conflict_and_no_restore(
    supabase, sandbox, operator, approver
):
    pause_project(sandbox)
    request = requested(operator)
    approve(request, approver)
    requests.post(
        f"{sandbox.url}/supabase-mgmt/v1/projects/hotrodan/restore",
        headers={"Authorization": "Bearer sandbox-supabase-access-token"},
        json={},
        timeout=5,
    )
    executed = approval_request_execute(request_id=request.pk)
    assert executed.status == "conflict" and "not paused" in executed.error
    assert mgmt_calls(sandbox).count(RESTORE) == 1  # only the other person's
