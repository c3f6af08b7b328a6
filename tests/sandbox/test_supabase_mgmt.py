"""Supabase Management API sandbox: project status, pause (the data API goes down) and
restore (it comes back), with the restore's answer lost on demand."""

from __future__ import annotations

import pytest
import requests

AUTH = {"Authorization": "Bearer sandbox-supabase-access-token"}
DATA = {"apikey": "sandbox-supabase-service"}


@pytest.fixture
def project_url(sandbox):
    return f"{sandbox.url}/supabase-mgmt/v1/projects/hotrodan"


def status(url):
    return requests.get(url, headers=AUTH, timeout=5).json()["status"]


def pause(sandbox):
    return requests.post(f"{sandbox.url}/_control/supabase-mgmt/pause", timeout=5)


def data_api(sandbox):
    return requests.get(f"{sandbox.url}/supabase/rest/v1/idea_pool", headers=DATA, timeout=5)


def test_project__active_healthy_with_its_shape(project_url):
    body = requests.get(project_url, headers=AUTH, timeout=5).json()
    assert body["ref"] == "hotrodan" and body["status"] == "ACTIVE_HEALTHY"
    assert body["database"]["host"] == "db.hotrodan.supabase.co"


def test_project__bad_token__401_message(project_url):
    resp = requests.get(project_url, headers={"Authorization": "Bearer nope"}, timeout=5)
    assert (resp.status_code, resp.json()) == (401, {"message": "Unauthorized"})


def test_project__unknown_ref__404(sandbox):
    resp = requests.get(f"{sandbox.url}/supabase-mgmt/v1/projects/other", headers=AUTH, timeout=5)
    assert resp.status_code == 404


def test_pause__project_inactive_and_data_api_down(sandbox, project_url):
    assert pause(sandbox).json() == {"status": "INACTIVE"}
    assert status(project_url) == "INACTIVE"
    assert data_api(sandbox).status_code == 503


def test_pause__twice__refused(sandbox):
    pause(sandbox)
    assert pause(sandbox).status_code == 409


def test_pause_endpoint__same_as_control(sandbox, project_url):
    resp = requests.post(f"{project_url}/pause", headers=AUTH, timeout=5)
    assert resp.status_code == 200 and status(project_url) == "INACTIVE"


def test_restore__paused__active_again_and_data_api_back(sandbox, project_url):
    pause(sandbox)
    resp = requests.post(f"{project_url}/restore", headers=AUTH, json={}, timeout=5)
    assert resp.status_code == 200
    assert status(project_url) == "ACTIVE_HEALTHY"
    assert data_api(sandbox).status_code == 200


def test_restore__reads_restoring_for_restore_ms(sandbox, project_url):
    sandbox.set_faults("supabase-mgmt", restore_ms=60_000)
    pause(sandbox)
    requests.post(f"{project_url}/restore", headers=AUTH, json={}, timeout=5)
    assert status(project_url) == "RESTORING"


def test_restore__not_paused__400(project_url):
    resp = requests.post(f"{project_url}/restore", headers=AUTH, json={}, timeout=5)
    assert resp.status_code == 400 and "not paused" in resp.json()["message"]


def test_restore_fault__reset_after__restored_but_no_answer(sandbox, project_url):
    pause(sandbox)
    sandbox.set_faults("supabase-mgmt", restore_fault="reset_after")
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{project_url}/restore", headers=AUTH, json={}, timeout=5)
    assert status(project_url) == "ACTIVE_HEALTHY"


def test_restore_fault__hang_before__nothing_restored(sandbox, project_url):
    pause(sandbox)
    sandbox.set_faults("supabase-mgmt", restore_fault="hang_before", hang_ms=1500)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(f"{project_url}/restore", headers=AUTH, json={}, timeout=0.5)
    assert status(project_url) == "INACTIVE"


def test_reset__project_active_and_calls_forgotten(sandbox, project_url):
    pause(sandbox)
    sandbox.reset()
    assert status(project_url) == "ACTIVE_HEALTHY"
    assert sandbox.state()["supabase-mgmt"]["calls"] == [
        {"method": "GET", "path": "/v1/projects/hotrodan"}
    ]
